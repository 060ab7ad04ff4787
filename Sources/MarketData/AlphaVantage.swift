import Foundation
import Money

/// Pure parsing of Alpha Vantage replies (formats in shared/alpha-vantage.md).
///
/// Alpha Vantage answers errors with HTTP 200 and a JSON body, so the status alone says little: the
/// body's keys decide. Rate limiting is checked before `Error Message` because it is transient: if a
/// reply ever carried both, "try later" is the safer reading than "no such symbol".
public enum AlphaVantage {
    /// Parses a `GLOBAL_QUOTE` reply.
    /// - Throws: `.unknownSymbol` for `Error Message` or an empty `Global Quote`; `.rateLimited` for
    ///   `Note`/`Information`; `.unavailable` for a non-200 status, non-JSON, a missing field, a price
    ///   that is not a positive decimal with at most 4 places, or a date that is not `YYYY-MM-DD`.
    public static func parseQuote(status: Int, body: [UInt8]) throws(ProviderError) -> ProviderQuote {
        let reply = try decode(status: status, body: body)
        guard let quote = reply.globalQuote else {
            throw .unavailable("reply has no \"Global Quote\"")
        }
        if quote.symbol == nil, quote.price == nil, quote.latestTradingDay == nil {
            throw .unknownSymbol  // `{"Global Quote": {}}` is how an unknown symbol is answered
        }
        guard let symbol = quote.symbol, !symbol.isEmpty else { throw .unavailable("quote has no symbol") }
        guard let priceText = quote.price, let price = positivePrice(priceText) else {
            throw .unavailable("quote has no valid price")
        }
        guard let day = quote.latestTradingDay, UTCCalendar.isValidISODate(day) else {
            throw .unavailable("quote has no valid latest trading day")
        }
        return ProviderQuote(symbol: symbol, price: price, latestTradingDay: day)
    }

    /// Parses a `TIME_SERIES_DAILY` reply into closes sorted oldest first.
    /// - Throws: as `parseQuote`; additionally `.unavailable` for an empty series or any row with a bad
    ///   date or close (one bad row makes the whole reply suspect).
    public static func parseDailyCloses(status: Int, body: [UInt8]) throws(ProviderError) -> [DailyClose] {
        let reply = try decode(status: status, body: body)
        guard let series = reply.timeSeries else {
            throw .unavailable("reply has no \"Time Series (Daily)\"")
        }
        guard !series.isEmpty else { throw .unavailable("time series is empty") }
        var closes: [DailyClose] = []
        closes.reserveCapacity(series.count)
        for (date, row) in series {
            guard UTCCalendar.isValidISODate(date) else { throw .unavailable("time series has a bad date") }
            guard let text = row.close, let close = positivePrice(text) else {
                throw .unavailable("time series has a bad close on \(date)")
            }
            closes.append(DailyClose(date: date, close: close))
        }
        // `YYYY-MM-DD` sorts chronologically as text; the provider sends newest first.
        closes.sort { $0.date < $1.date }
        return closes
    }

    /// Status, JSON and the failure keys shared by every function.
    private static func decode(status: Int, body: [UInt8]) throws(ProviderError) -> AlphaVantageReply {
        // Alpha Vantage sends even its errors as 200; anything else is an outage or a proxy in the way.
        guard status == 200 else { throw .unavailable("HTTP status \(status)") }
        let reply: AlphaVantageReply
        do {
            reply = try JSONDecoder().decode(AlphaVantageReply.self, from: Data(body))
        } catch DecodingError.dataCorrupted {
            throw .unavailable("reply is not JSON")
        } catch {
            throw .unavailable("reply has an unexpected shape")
        }
        // Both keys mean "rate limited": the message moved from `Note` to `Information` (PITFALLS.md).
        if let message = reply.note ?? reply.information { throw .rateLimited(message) }
        if reply.errorMessage != nil { throw .unknownSymbol }
        return reply
    }

    /// A zero price is no quote at all: trading at it would be free.
    private static func positivePrice(_ text: String) -> Price? {
        guard let price = Price(parsing: text), price.minorUnits > 0 else { return nil }
        return price
    }
}
