import Foundation
import ServiceKit
import Testing
import TestSupport

private typealias F = AuthStockFixtures

/// `GET /stocks/stream?symbols=A,B` (API.md "Orders beyond market"): the quotes now, then a `quote`
/// event when a price changes (the simulated market on a hand-moved clock), 400 for a bad list, 404
/// for an unknown symbol, and in live mode one provider call per symbol however many subscribe.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct StockStreamTests {
    /// The feed asks every 20 ms: the test's clock, not the refresh, decides when prices move.
    static let fastRefresh = ["STREAM_REFRESH_MS": "20"]

    static func quoteJSON(_ event: EventStreamClient.Event?) throws -> [String: String] {
        let data = try #require(event?.data.data(using: .utf8))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
    }

    @Test func theQuotesNowThenAnEventWhenAPriceChanges() async throws {
        // A Wednesday, 15:06 UTC: in the simulated session (14:30-21:00 UTC) the price moves every minute.
        let clock = F.MovableClock(Date(timeIntervalSince1970: 1_795_000_000 + 4 * 3600))
        try await F.withStock(providerURL: nil, clock: clock, Self.fastRefresh) { stock in
            let port = stock.port
            let client = try EventStreamClient(port: port, target: "/stocks/stream?symbols=aapl,MSFT,AAPL")
            let head = try await rawBlocking { client.readHead() }
            #expect(head?.status == 200 && head?.header("Content-Type") == "text/event-stream")
            #expect(head?.header("Cache-Control") == "no-cache")
            let first = try await rawBlocking { [client.nextEvent(), client.nextEvent()] }
            #expect(first.map { $0?.event } == ["quote", "quote"])
            let quotes = try first.map(Self.quoteJSON)
            #expect(quotes.map { $0["symbol"] } == ["AAPL", "MSFT"], "each symbol once, in the order asked")
            let direct = try await stock.client.get("/stocks/AAPL")
            #expect(try #require(direct.json as? [String: String]) == quotes[0], "the shape of GET /stocks/{symbol}")
            #expect(try await rawBlocking { client.nextEvent(timeout: .milliseconds(300)) } == nil,
                    "nothing while the price stands")
            var changed: [String: String]? = nil
            for _ in 0..<5 where changed == nil {
                clock.advance(seconds: 60)
                if let event = try await rawBlocking({ client.nextEvent(timeout: .seconds(2)) }) {
                    changed = try Self.quoteJSON(event)
                }
            }
            let moved = try #require(changed, "no event in five simulated minutes")
            let before = moved["symbol"] == "AAPL" ? quotes[0] : quotes[1]
            #expect(moved["price"] != before["price"], "an event means a new price")
            #expect(moved["as_of"] != before["as_of"])
        }
    }

    private static let badLists: [(String, String)] = [
        ("/stocks/stream", "no symbols"),
        ("/stocks/stream?symbols=", "empty"),
        ("/stocks/stream?symbols=AAPL,,MSFT", "an empty entry"),
        ("/stocks/stream?symbols=AAPL%20MSFT", "a space"),
        ("/stocks/stream?symbols=ABCDEFGHIJK", "11 characters"),
        ("/stocks/stream?symbols=" + (1...21).map { "S\($0)" }.joined(separator: ","), "21 symbols: past streamSymbolsMax"),
        ("/stocks/stream?symbols=" + String(repeating: "A,", count: 400) + "A", "a very long list"),
    ]

    @Test func aBadListIs400AndAnUnknownSymbol404AndNoStreamStarts() async throws {
        try await F.withStock(providerURL: nil, clock: F.MovableClock(), Self.fastRefresh) { stock in
            for (target, why) in Self.badLists {
                let reply = try await stock.client.get(target)
                #expect(reply.status == 400, "\(why): \(reply.status) \(reply.text)")
                #expect(reply.headers["Content-Type"] == "application/problem+json", "\(why)")
            }
            let unknown = try await stock.client.get("/stocks/stream?symbols=AAPL,ZZZZ")
            #expect(unknown.status == 404 && unknown.string("type") == "/problems/unknown-symbol", "\(unknown.text)")
            let twenty = (1...20).map { _ in "AAPL" }.joined(separator: ",")
            let repeated = try EventStreamClient(port: stock.port, target: "/stocks/stream?symbols=" + twenty)
            #expect(try await rawBlocking { repeated.readHead()?.status } == 200, "repeats count once")
        }
    }

    @Test func liveSubscribersShareOneProviderCallPerSymbolPerTTL() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-18")
        let clock = F.MovableClock()
        try await F.withStock(providerURL: fake.baseURL, clock: clock, Self.fastRefresh) { stock in
            let clients = try (0..<5).map { _ in try EventStreamClient(port: stock.port, target: "/stocks/stream?symbols=IBM") }
            for client in clients {
                _ = try await rawBlocking { client.readHead() }
                #expect(try await rawBlocking { client.nextEvent() }.map { try Self.quoteJSON($0)["price"] } == "232.16")
            }
            #expect(fake.callCount(function: "GLOBAL_QUOTE", symbol: "IBM") == 1, "one call for five subscribers")
            try await Task.sleep(for: .milliseconds(200))  // ten refreshes within the TTL
            #expect(fake.callCount(function: "GLOBAL_QUOTE", symbol: "IBM") == 1, "refreshes within the TTL are the cache's")
            fake.setQuote(symbol: "IBM", price: "240.5000", day: "2026-11-18")
            clock.advance(seconds: 61)
            for client in clients {
                let event = try await rawBlocking { client.nextEvent(timeout: .seconds(3)) }
                #expect(try event.map { try Self.quoteJSON($0)["price"] } == "240.50")
            }
            #expect(fake.callCount(function: "GLOBAL_QUOTE", symbol: "IBM") == 2, "one more call, shared by all five")
        }
    }
}
