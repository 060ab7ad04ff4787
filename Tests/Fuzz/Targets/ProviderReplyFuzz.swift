// libFuzzer target: the Alpha Vantage reply parser (MarketData's AlphaVantage.parseQuote and
// parseDailyCloses), what the stock service reads from the provider.
// Input: a mode byte, then either a reply body (mode bit 0 clear) or fields separated by 0x00 that
// build a `GLOBAL_QUOTE` reply (bit 0 set; bits 1-3 add `Note`, `Information`, `Error Message`).
// Properties:
//  - any body: a status other than 200 is always `.unavailable`; a quote or series it accepts
//    has a non-empty symbol, positive prices, real `YYYY-MM-DD` dates (each the text of its own
//    day number), closes sorted oldest first; written back as a reply it parses to the same value;
//  - a built reply gets exactly the outcome the format says: rate limited before unknown symbol
//    before the quote's own checks, and the quote when its symbol, price and day are valid;
//  - the heap held after parsing stays under 16 x the input plus 64 KiB.
import Foundation
import Money
@testable import MarketData

func replyBytes(_ object: [String: Any]) -> [UInt8] {
    Array(try! JSONSerialization.data(withJSONObject: object, options: .sortedKeys))
}

func checkDate(_ day: String) {
    let bytes = Array(day.utf8)
    fuzzCheck(bytes.count == 10, "accepted date \(day.debugDescription)")
    func number(_ range: Range<Int>) -> Int64 { Int64(String(decoding: bytes[range], as: UTF8.self))! }
    let number = UTCCalendar.dayNumber(year: number(0..<4), month: number(5..<7), day: number(8..<10))
    fuzzCheck(UTCCalendar.isoDate(ofDay: number) == day, "accepted date \(day.debugDescription) is not its own day")
}

func quoteOutcome(_ body: [UInt8]) -> Result<ProviderQuote, ProviderError> {
    Result { () throws(ProviderError) in try AlphaVantage.parseQuote(status: 200, body: body) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func providerReplyFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let mode = input.byte()
    let rest = input.rest
    if mode & 1 == 0 {
        var watch = AllocationWatch()
        let quote = quoteOutcome(rest)
        let closes = Result { () throws(ProviderError) in try AlphaVantage.parseDailyCloses(status: 200, body: rest) }
        watch.sample()
        watch.check(inputCount: size, factor: 16, constant: 64 * 1024, "AlphaVantage")
        let status = 201 + Int(mode >> 1)
        let other = Result { () throws(ProviderError) in try AlphaVantage.parseQuote(status: status, body: rest) }
        if case .failure(.unavailable) = other {} else { fuzzCheck(false, "status \(status) gave \(other)") }
        if case .success(let quote) = quote {
            fuzzCheck(!quote.symbol.isEmpty && quote.price.minorUnits > 0, "accepted \(quote)")
            checkDate(quote.latestTradingDay)
            let again = quoteOutcome(replyBytes(["Global Quote": ["01. symbol": quote.symbol, "05. price": quote.price.description,
                                                                  "07. latest trading day": quote.latestTradingDay]]))
            fuzzCheck(again == .success(quote), "\(quote) written back parsed as \(again)")
        }
        if case .success(let closes) = closes {
            fuzzCheck(!closes.isEmpty, "an empty series was accepted")
            for (index, close) in closes.enumerated() {
                fuzzCheck(close.close.minorUnits > 0, "accepted \(close)")
                checkDate(close.date)
                fuzzCheck(index == 0 || closes[index - 1].date < close.date, "closes out of order: \(closes)")
            }
            var series: [String: Any] = [:]
            for close in closes { series[close.date] = ["4. close": close.close.description] }
            let again = Result { () throws(ProviderError) in
                try AlphaVantage.parseDailyCloses(status: 200, body: replyBytes(["Time Series (Daily)": series]))
            }
            fuzzCheck(again == .success(closes), "\(closes) written back parsed as \(again)")
        }
        return 0
    }

    // A reply built from fields: symbol, price, day, message.
    let fields = rest.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    func field(_ index: Int) -> String? { index < fields.count ? fields[index] : nil }
    var quote: [String: Any] = [:]
    if let symbol = field(0) { quote["01. symbol"] = symbol }
    if let price = field(1) { quote["05. price"] = price }
    if let day = field(2) { quote["07. latest trading day"] = day }
    var reply: [String: Any] = ["Global Quote": quote]
    let message = field(3) ?? "limit"
    if mode & 2 != 0 { reply["Note"] = message }
    if mode & 4 != 0 { reply["Information"] = message }
    if mode & 8 != 0 { reply["Error Message"] = message }

    let expected: Result<ProviderQuote, ProviderError>
    if mode & 6 != 0 {
        expected = .failure(.rateLimited(message))
    } else if mode & 8 != 0 || quote.isEmpty {
        expected = .failure(.unknownSymbol)
    } else if let symbol = field(0), !symbol.isEmpty, let text = field(1), let price = Price(parsing: text),
              price.minorUnits > 0, let day = field(2), UTCCalendar.isValidISODate(day) {
        expected = .success(ProviderQuote(symbol: symbol, price: price, latestTradingDay: day))
    } else {
        expected = .failure(.unavailable(""))
    }
    let got = quoteOutcome(replyBytes(reply))
    switch (expected, got) {
    case (.failure(.unavailable), .failure(.unavailable)): break  // the reason is for logs
    default: fuzzCheck(got == expected, "built reply \(reply) gave \(got), expected \(expected)")
    }
    return 0
}
