import Foundation
import Money
import TestSupport
import Testing

/// The stock service without `API_KEY`: the built-in simulated market (API.md "Stock").
@Suite struct StockSimulatedTests {
    typealias F = AuthStockFixtures

    /// A Wednesday afternoon (2026-11-18T15:30:00Z) and a Sunday (2026-11-22T12:00:00Z).
    static let instants: [(Date, String)] = [
        (Date(timeIntervalSince1970: 1_795_015_800), "a weekday afternoon"),
        (Date(timeIntervalSince1970: 1_795_348_800), "a Sunday"),
    ]

    @Test func theListingHasAtLeastTenNamedSymbolsIncludingAAPL() async throws {
        let clock = F.MovableClock(Self.instants[0].0)
        try await F.withStock(providerURL: nil, clock: clock) { stock in
            let reply = try await stock.client.get("/stocks")
            #expect(reply.status == 200)
            let stocks = try #require(reply.json["stocks"] as? [[String: Any]])
            #expect(stocks.count >= 10)
            let symbols = stocks.compactMap { $0["symbol"] as? String }
            #expect(symbols.contains("AAPL"))
            #expect(Set(symbols).count == symbols.count, "no duplicates")
            for item in stocks {
                let symbol = item["symbol"] as? String ?? "?"
                #expect(Set(item.keys) == ["symbol", "name", "price", "currency", "as_of"], "\(symbol)")
                #expect(((item["name"] as? String) ?? "").isEmpty == false, "\(symbol) has a name")
                #expect(item["currency"] as? String == "USD")
                #expect(item["as_of"] as? String == F.rfc3339(clock.now))
                let price = item["price"] as? String ?? ""
                #expect(price.wholeMatch(of: /[1-9][0-9]*\.[0-9]{2,4}/) != nil, "\(symbol) price \(price)")
            }
            #expect(stocks.first { $0["symbol"] as? String == "AAPL" }?["name"] as? String == "Apple Inc.")
        }
    }

    @Test(arguments: instants)
    func theQuoteEqualsTheLastHistoryCloseAndTheListing(_ instant: Date, _ why: String) async throws {
        try await F.withStock(providerURL: nil, clock: F.MovableClock(instant)) { stock in
            let listing = try await stock.client.get("/stocks")
            let listed = (listing.json["stocks"] as? [[String: Any]]) ?? []
            for symbol in ["AAPL", "MSFT", "KO"] {
                let quote = try await stock.client.get("/stocks/\(symbol.lowercased())")
                #expect(quote.status == 200, "\(why) \(symbol)")
                #expect(quote.string("symbol") == symbol)
                #expect(quote.string("source") == "simulated")
                #expect(quote.string("currency") == "USD")
                #expect(quote.string("as_of") == F.rfc3339(instant))
                let history = try await stock.client.get("/stocks/\(symbol)/history?days=5")
                #expect(history.status == 200)
                let prices = (history.json["prices"] as? [[String: Any]]) ?? []
                #expect(prices.count == 5, "\(why) \(symbol)")
                #expect(prices.last?["close"] as? String == quote.string("price"), "\(why) \(symbol): quote = last close")
                let dates = prices.compactMap { $0["date"] as? String }
                #expect(dates == dates.sorted() && Set(dates).count == 5, "\(why): oldest first, distinct")
                let price = listed.first { $0["symbol"] as? String == symbol }?["price"] as? String
                #expect(price == quote.string("price"), "\(why) \(symbol): the listing agrees")
            }
        }
    }

    @Test func pricesMoveOverTimeAndAreReproducible() async throws {
        let clock = F.MovableClock(Self.instants[0].0)
        try await F.withStock(providerURL: nil, clock: clock) { stock in
            let first = try await stock.client.get("/stocks/AAPL/history?days=30")
            let closes = ((first.json["prices"] as? [[String: Any]]) ?? []).compactMap { $0["close"] as? String }
            #expect(closes.count == 30)
            #expect(Set(closes).count > 1, "a random walk, not a constant")
            // Each day moves plausibly: within ±20 % of the day before.
            let values = closes.compactMap { Price(parsing: $0)?.minorUnits }
            #expect(values.count == closes.count, "every close is a price: \(closes)")
            for (previous, next) in zip(values, values.dropFirst()) {
                #expect(abs(next - previous) * 5 <= previous, "\(previous) → \(next)")
            }
            let again = try await stock.client.get("/stocks/AAPL/history?days=30")
            #expect(again.body == first.body, "the same instant gives the same prices")
        }
    }

    @Test func anUnknownSymbolIs404() async throws {
        try await F.withStock(providerURL: nil, clock: F.MovableClock()) { stock in
            for target in ["/stocks/NOPE", "/stocks/NOPE/history", "/stocks/ZZZZZZZZZZ/history?days=1"] {
                F.expectProblem(try await stock.client.get(target), status: 404, type: "/problems/unknown-symbol", target)
            }
            F.expectProblem(try await stock.client.get("/stocks/AAPL/history?days=101"), status: 400,
                            type: "/problems/invalid-request", "days 101")
        }
    }

    @Test func withoutAnAPIKeyTheProviderIsNeverCalled() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "AAPL", price: "1.0000", day: "2026-11-24")
        // STOCK_API_URL points at the fake, but API_KEY is unset.
        try await F.withStock(providerURL: nil, clock: F.MovableClock(), ["STOCK_API_URL": fake.baseURL]) { stock in
            for target in ["/stocks", "/stocks/AAPL", "/stocks/AAPL/history?days=100", "/stocks/NOPE"] {
                _ = try await stock.client.get(target)
            }
            #expect(try await stock.client.get("/stocks/AAPL").string("price") != "1.00")
            #expect(try await stock.client.get("/stocks/AAPL").string("source") == "simulated")
        }
        #expect(fake.requests.isEmpty, "\(fake.requests)")
        #expect(fake.connectionCount == 0)
    }

    @Test func anEmptyAPIKeyMeansTheSimulatedMarket() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        try await F.withStock(providerURL: nil, clock: F.MovableClock(), ["API_KEY": "", "STOCK_API_URL": fake.baseURL]) { stock in
            let reply = try await stock.client.get("/stocks/AAPL")
            #expect(reply.string("source") == "simulated")
        }
        #expect(fake.requests.isEmpty)
    }
}
