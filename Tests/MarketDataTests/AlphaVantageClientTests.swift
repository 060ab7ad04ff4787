import Foundation
import MarketData
import Money
import Outbound
import TestSupport
import Testing

/// `AlphaVantageClient` over real loopback sockets against `FakeProvider`.
@Suite struct AlphaVantageClientTests {
    static let key = "test-key"

    func client(_ fake: FakeProvider, timeoutMs: Int = 2_000, curl: CurlClient = CurlClient()) -> AlphaVantageClient {
        AlphaVantageClient(baseURL: fake.baseURL, apiKey: Self.key, timeoutMs: timeoutMs, curl: curl)
    }

    @Test func liveQuoteEqualsTheProvidersAndSendsTheKey() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        let quote = try await client(fake).quote(symbol: "IBM")
        #expect(quote == ProviderQuote(symbol: "IBM", price: Price(minorUnits: 2_321_600), latestTradingDay: "2026-11-24"))
        #expect(fake.lastAPIKey == Self.key)
        #expect(fake.callCount(function: "GLOBAL_QUOTE", symbol: "IBM") == 1)
        #expect(fake.requests == ["/query?function=GLOBAL_QUOTE&symbol=IBM&apikey=test-key"])
    }

    @Test func dailyClosesComeOldestFirstWithCompactOutput() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setHistory(symbol: "IBM", closes: [("2026-11-23", "230.0400"), ("2026-11-24", "232.1234"), ("2026-11-20", "229.5000")])
        let closes = try await client(fake).dailyCloses(symbol: "IBM")
        #expect(closes.map(\.date) == ["2026-11-20", "2026-11-23", "2026-11-24"])
        #expect(closes.map(\.close.minorUnits) == [2_295_000, 2_300_400, 2_321_234])
        #expect(fake.requests.first?.contains("function=TIME_SERIES_DAILY&symbol=IBM&outputsize=compact&apikey=test-key") == true)
    }

    @Test func symbolAndKeyArePercentEncodedAndArriveIntact() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "BRK B&x=1", price: "1.00", day: "2026-11-24")
        let strange = AlphaVantageClient(baseURL: fake.baseURL, apiKey: "k&y=1+/é", timeoutMs: 2_000, curl: CurlClient())
        _ = try await strange.quote(symbol: "BRK B&x=1")
        #expect(fake.lastAPIKey == "k&y=1+/é")
        #expect(fake.callCount(function: "GLOBAL_QUOTE", symbol: "BRK B&x=1") == 1)
    }

    @Test func baseURLWithAQueryGetsAnAmpersand() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "1.00", day: "2026-11-24")
        let withQuery = AlphaVantageClient(baseURL: fake.baseURL + "?datatype=json", apiKey: Self.key, timeoutMs: 2_000, curl: CurlClient())
        _ = try await withQuery.quote(symbol: "IBM")
        #expect(fake.requests == ["/query?datatype=json&function=GLOBAL_QUOTE&symbol=IBM&apikey=test-key"])
    }

    @Test func unknownSymbolsAreReportedAsSuch() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        let provider = client(fake)
        await #expect(throws: ProviderError.unknownSymbol) { try await provider.quote(symbol: "NOPE") }
        await #expect(throws: ProviderError.unknownSymbol) { try await provider.dailyCloses(symbol: "NOPE") }
    }

    /// `(mode, expected for both functions, why)`; `.unavailable` matches any reason.
    static let misbehaviours: [(FakeProvider.Mode, ExpectedParse<Int>, String)] = [
        (.note, .rateLimited("Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API call frequency."), "Note"),
        (.information, .rateLimited("Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits."), "Information"),
        (.errorMessage, .unknownSymbol, "Error Message"),
        (.emptyQuote, .unknownSymbol, "every symbol unknown"),
        (.http500, .unavailable, "HTTP 500"),
        (.garbage, .unavailable, "non-JSON 200"),
        (.oversized(bytes: 2 << 20, declaresLength: true), .unavailable, "body over the cap"),
    ]

    @Test(arguments: misbehaviours)
    func misbehaviourMapsToProviderError(_ mode: FakeProvider.Mode, _ expected: ExpectedParse<Int>, _ why: String) async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        fake.setHistory(symbol: "IBM", closes: [("2026-11-24", "232.1600")])
        fake.setMode(mode)
        let provider = client(fake)
        let quote = await outcome { () async throws(ProviderError) in try await provider.quote(symbol: "IBM") }
        let history = await outcome { () async throws(ProviderError) in try await provider.dailyCloses(symbol: "IBM") }
        #expect(ExpectedParse(quote.map { _ in 0 }) == expected, "quote: \(why)")
        #expect(ExpectedParse(history.map { _ in 0 }) == expected, "history: \(why)")
    }

    @Test func hangingProviderIsUnavailableWithinTheTimeout() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setMode(.hang)
        let provider = client(fake, timeoutMs: 300)
        let started = ContinuousClock.now
        let result = await outcome { () async throws(ProviderError) in try await provider.quote(symbol: "IBM") }
        let elapsed = ContinuousClock.now - started
        #expect(ExpectedParse(result.map { _ in 0 }) == .unavailable)
        #expect(elapsed >= .milliseconds(250))
        // Generous: CI runs tests in parallel on 2 cores; the fake would hang forever.
        #expect(elapsed < .seconds(5))
        #expect(fake.requests.count == 1)  // the request did arrive: this is a read timeout, not a refusal
    }

    @Test func slowButInTimeProviderAnswers() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        fake.setMode(.delay(milliseconds: 150))
        let quote = try await client(fake, timeoutMs: 3_000).quote(symbol: "IBM")
        #expect(quote.price == Price(minorUnits: 2_321_600))
    }

    @Test func refusedConnectionIsUnavailable() async throws {
        let port = try FakeProvider.closedPort()
        let provider = AlphaVantageClient(
            baseURL: "http://127.0.0.1:\(port)/query", apiKey: Self.key, timeoutMs: 20_000, curl: CurlClient())
        let started = ContinuousClock.now
        await #expect(throws: ProviderError.unavailable("provider unreachable")) {
            try await provider.quote(symbol: "IBM")
        }
        // Far below the 20 s timeout: a refusal is reported, not waited out.
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func repeatedCallsReuseConnections() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        let provider = client(fake)  // four workers, so at most four connections
        for _ in 0..<12 { _ = try await provider.quote(symbol: "IBM") }
        #expect(fake.requests.count == 12)
        #expect(fake.connectionCount <= 4)
        #expect(fake.connectionCount < fake.requests.count)
    }

    @Test func oneWorkerUsesOneConnection() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        let provider = client(fake, curl: CurlClient(workerCount: 1))
        for _ in 0..<5 { _ = try await provider.quote(symbol: "IBM") }
        #expect(fake.connectionCount == 1)
    }

    @Test func concurrentCallsAllSucceed() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        for symbol in ["A", "B", "C", "D", "E", "F", "G", "H"] {
            fake.setQuote(symbol: symbol, price: "10.00", day: "2026-11-24")
        }
        let provider = client(fake)
        let symbols = try await withThrowingTaskGroup(of: String.self) { group in
            for symbol in ["A", "B", "C", "D", "E", "F", "G", "H"] {
                group.addTask { try await provider.quote(symbol: symbol).symbol }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(symbols.count == 8)
    }
}
