import Foundation
import Money
import Testing

@testable import MarketData

/// What a parse should produce; `.unavailable` matches any reason (reasons are for logs).
enum ExpectedParse<Value: Equatable & Sendable>: Sendable, Equatable {
    case value(Value)
    case unknownSymbol
    case rateLimited(String)
    case unavailable

    init(_ result: Result<Value, ProviderError>) {
        switch result {
        case .success(let value): self = .value(value)
        case .failure(.unknownSymbol): self = .unknownSymbol
        case .failure(.rateLimited(let message)): self = .rateLimited(message)
        case .failure(.unavailable): self = .unavailable
        }
    }
}

/// One table row: `(status, body, expected, why)`.
struct ParseCase<Value: Equatable & Sendable>: Sendable, CustomTestStringConvertible {
    let status: Int
    let body: String
    let expected: ExpectedParse<Value>
    let why: String
    var testDescription: String { why }

    init(_ body: String, _ expected: ExpectedParse<Value>, _ why: String) {
        self.init(200, body, expected, why)
    }

    init(_ status: Int, _ body: String, _ expected: ExpectedParse<Value>, _ why: String) {
        self.status = status
        self.body = body
        self.expected = expected
        self.why = why
    }
}

let docQuote = #"""
{"Global Quote": {"01. symbol": "IBM", "02. open": "231.5300", "03. high": "233.0500", "04. low": "230.8800",
  "05. price": "232.1600", "06. volume": "3124528", "07. latest trading day": "2026-11-24",
  "08. previous close": "230.0400", "09. change": "2.1200", "10. change percent": "0.9216%"}}
"""#
let docSeries = #"""
{"Meta Data": {"1. Information": "Daily Prices (open, high, low, close) and Volumes", "2. Symbol": "IBM",
  "3. Last Refreshed": "2026-11-24", "4. Output Size": "Compact", "5. Time Zone": "US/Eastern"},
 "Time Series (Daily)": {
  "2026-11-24": {"1. open": "231.5300", "2. high": "233.0500", "3. low": "230.8800", "4. close": "232.1600", "5. volume": "3124528"},
  "2026-11-21": {"1. open": "229.1000", "2. high": "230.9000", "3. low": "228.7000", "4. close": "230.0400", "5. volume": "2874410"}}}
"""#
let docError = #"{"Error Message": "Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for TIME_SERIES_DAILY."}"#
let docNote = #"{"Note": "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day."}"#
let docInformation = #"{"Information": "Our standard API rate limit is 25 requests per day."}"#

func quoteJSON(symbol: String = "IBM", price: String = "232.1600", day: String = "2026-11-24") -> String {
    #"{"Global Quote": {"01. symbol": ""# + symbol + #"", "05. price": ""# + price
        + #"", "07. latest trading day": ""# + day + #""}}"#
}

func seriesJSON(_ rows: [(String, String)]) -> String {
    let body = rows.map { #"""# + $0.0 + #"": {"4. close": ""# + $0.1 + #""}"# }.joined(separator: ", ")
    return #"{"Time Series (Daily)": {"# + body + "}}"
}

func ibm(_ minorUnits: Int64, _ day: String = "2026-11-24") -> ExpectedParse<ProviderQuote> {
    .value(ProviderQuote(symbol: "IBM", price: Price(minorUnits: minorUnits), latestTradingDay: day))
}

let quoteCases: [ParseCase<ProviderQuote>] = [
    .init(docQuote, ibm(2_321_600), "the documented GLOBAL_QUOTE example"),
    .init(quoteJSON(price: "232.1234"), ibm(2_321_234), "four decimals kept exact"),
    .init(quoteJSON(price: "0.0001"), ibm(1), "smallest positive price"),
    .init(quoteJSON(price: "5"), ibm(50_000), "no decimals"),
    .init(#"{"Global Quote": {}}"#, .unknownSymbol, "empty Global Quote means unknown symbol"),
    .init(docError, .unknownSymbol, "Error Message means unknown symbol"),
    .init(docNote, .rateLimited("Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day."), "Note is rate limiting"),
    .init(docInformation, .rateLimited("Our standard API rate limit is 25 requests per day."), "Information is rate limiting too"),
    .init("<html><body>Service Unavailable", .unavailable, "non-JSON"),
    .init("", .unavailable, "empty body"),
    .init("[]", .unavailable, "JSON array"),
    .init(#"{"foo": 1}"#, .unavailable, "object without known keys"),
    .init(#"{"Global Quote": "IBM"}"#, .unavailable, "Global Quote not an object"),
    .init(#"{"Global Quote": {"01. symbol": "IBM", "05. price": 232.16, "07. latest trading day": "2026-11-24"}}"#, .unavailable, "price as a JSON number is refused, not rounded"),
    .init(#"{"Global Quote": {"01. symbol": "IBM", "07. latest trading day": "2026-11-24"}}"#, .unavailable, "missing price"),
    .init(#"{"Global Quote": {"05. price": "1.00", "07. latest trading day": "2026-11-24"}}"#, .unavailable, "missing symbol"),
    .init(quoteJSON(price: "-1.00"), .unavailable, "negative price"),
    .init(quoteJSON(price: "0.0000"), .unavailable, "zero price"),
    .init(quoteJSON(price: "1.23456"), .unavailable, "five decimals"),
    .init(quoteJSON(price: "1e3"), .unavailable, "exponent"),
    .init(quoteJSON(price: ""), .unavailable, "empty price"),
    .init(quoteJSON(day: "2026/11/24"), .unavailable, "date with slashes"),
    .init(quoteJSON(day: "26-11-24"), .unavailable, "two-digit year"),
    .init(quoteJSON(day: "2026-13-01"), .unavailable, "month 13"),
    .init(quoteJSON(day: "2026-02-30"), .unavailable, "February 30"),
    .init(quoteJSON(day: "2026-1a-01"), .unavailable, "letter in date"),
    .init(quoteJSON(day: "2026-11-24T00:00"), .unavailable, "date with time"),
    .init(500, docQuote, .unavailable, "HTTP 500 with a valid body"),
    .init(302, "", .unavailable, "redirect not followed"),
]

let seriesCases: [ParseCase<[DailyClose]>] = [
    .init(docSeries, .value([
        DailyClose(date: "2026-11-21", close: Price(minorUnits: 2_300_400)),
        DailyClose(date: "2026-11-24", close: Price(minorUnits: 2_321_600)),
    ]), "the documented example, sorted oldest first"),
    .init(seriesJSON([("2026-11-24", "232.1234")]), .value([DailyClose(date: "2026-11-24", close: Price(minorUnits: 2_321_234))]), "four decimals kept exact"),
    .init(docError, .unknownSymbol, "Error Message means unknown symbol"),
    .init(docNote, .rateLimited("Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day."), "Note is rate limiting"),
    .init(docInformation, .rateLimited("Our standard API rate limit is 25 requests per day."), "Information is rate limiting"),
    .init("<html>", .unavailable, "non-JSON"),
    .init(docQuote, .unavailable, "a quote reply is the wrong shape"),
    .init(#"{"Time Series (Daily)": {}}"#, .unavailable, "empty series"),
    .init(#"{"Time Series (Daily)": []}"#, .unavailable, "series not an object"),
    .init(seriesJSON([("2026-11-24", "232.16"), ("2026-11-32", "1.00")]), .unavailable, "one bad date spoils the reply"),
    .init(seriesJSON([("2026-11-24", "abc")]), .unavailable, "bad close"),
    .init(#"{"Time Series (Daily)": {"2026-11-24": {"4. close": 232.16}}}"#, .unavailable, "close as a JSON number"),
    .init(#"{"Time Series (Daily)": {"2026-11-24": {"1. open": "1.00"}}}"#, .unavailable, "row without close"),
    .init(503, docSeries, .unavailable, "HTTP 503"),
]

@Suite struct AlphaVantageTests {
    @Test(arguments: quoteCases)
    func parsesQuoteReplies(_ row: ParseCase<ProviderQuote>) {
        let result = Result { () throws(ProviderError) in
            try AlphaVantage.parseQuote(status: row.status, body: Array(row.body.utf8))
        }
        #expect(ExpectedParse(result) == row.expected, "\(row.why)")
    }

    @Test(arguments: seriesCases)
    func parsesDailySeriesReplies(_ row: ParseCase<[DailyClose]>) {
        let result = Result { () throws(ProviderError) in
            try AlphaVantage.parseDailyCloses(status: row.status, body: Array(row.body.utf8))
        }
        #expect(ExpectedParse(result) == row.expected, "\(row.why)")
    }

    @Test func priceDescriptionsRoundTripWithoutDouble() throws {
        let quote = try AlphaVantage.parseQuote(status: 200, body: Array(quoteJSON(price: "0.1000").utf8))
        #expect(quote.price.minorUnits == 1_000)  // 0.1 is inexact in binary floating point
    }

    @Test func buildsRequestURLs() {
        let query = [("function", "GLOBAL_QUOTE"), ("symbol", "BRK.B"), ("apikey", "a&b=c d+é")]
        #expect(AlphaVantageURL.make(baseURL: "http://h/query", query: query)
            == "http://h/query?function=GLOBAL_QUOTE&symbol=BRK.B&apikey=a%26b%3Dc%20d%2B%C3%A9")
        #expect(AlphaVantageURL.make(baseURL: "http://h/query?x=1", query: [("a", "b")]) == "http://h/query?x=1&a=b")
        #expect(AlphaVantageURL.make(baseURL: "http://h/query?", query: [("a", "b")]) == "http://h/query?a=b")
    }

    @Test func dailyCloseCodesCloseAsDecimalString() throws {
        let row = DailyClose(date: "2026-11-24", close: Price(minorUnits: 2_321_234))
        let json = try JSONEncoder().encode(row)
        #expect(String(decoding: json, as: UTF8.self).contains(#""close":"232.1234""#))
        #expect(try JSONDecoder().decode(DailyClose.self, from: json) == row)
        let bad = Data(#"{"date":"2026-11-24","close":"1.23456"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DailyClose.self, from: bad) }
    }
}
