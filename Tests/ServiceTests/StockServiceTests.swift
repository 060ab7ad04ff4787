import Foundation
import TestSupport
import Testing

/// The stock service in live mode (`API_KEY` set) against `FakeProvider`, in-process with an
/// injected clock (API.md "Stock"): quotes, the cache and its TTL, fallbacks, single flight,
/// symbol rules, the listing and a restart.
@Suite struct StockServiceTests {
    typealias F = AuthStockFixtures
    typealias Mode = FakeProvider.Mode

    /// `PROVIDER_TIMEOUT_MS=300` plus slack for a loaded 2-core machine running every suite at
    /// once; a provider call that ignored the timeout would hang until the client's 10 s.
    static let timeoutBound = Duration.milliseconds(300 + 2_700)

    static func quoteCalls(_ fake: FakeProvider, _ symbol: String) -> Int {
        fake.callCount(function: "GLOBAL_QUOTE", symbol: symbol)
    }

    @Test func liveQuoteIsTheProvidersThenCachedUntilTheTTLEnds() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        let clock = F.MovableClock()
        try await F.withStock(providerURL: fake.baseURL, clock: clock, ["QUOTE_TTL_SECONDS": "60"]) { stock in
            let fetchedAt = clock.now
            let live = try await stock.client.get("/stocks/IBM")
            #expect(live.status == 200, "\(live.text)")
            #expect(live.headers["Content-Type"]?.hasPrefix("application/json") == true)
            #expect(Set(live.json.keys) == ["symbol", "price", "currency", "as_of", "source"])
            #expect(live.string("symbol") == "IBM")
            #expect(live.string("price") == "232.16", "the provider's 232.1600, as a decimal string")
            #expect(live.string("currency") == "USD")
            #expect(live.string("source") == "live")
            #expect(live.string("as_of") == F.rfc3339(fetchedAt))
            #expect(fake.lastAPIKey == "stock-test-key", "the key is sent")
            #expect(Self.quoteCalls(fake, "IBM") == 1)

            // The provider moves, but within the TTL the stored quote is served without a call.
            fake.setQuote(symbol: "IBM", price: "240.5000", day: "2026-11-25")
            clock.advance(seconds: 59)
            let cached = try await stock.client.get("/stocks/IBM")
            #expect(cached.string("source") == "cache")
            #expect(cached.string("price") == "232.16")
            #expect(cached.string("as_of") == F.rfc3339(fetchedAt), "the original fetch time")
            #expect(Self.quoteCalls(fake, "IBM") == 1)

            // Past the TTL: a new provider call and a new as_of.
            clock.advance(seconds: 2)
            let refreshed = try await stock.client.get("/stocks/IBM")
            #expect(refreshed.string("source") == "live")
            #expect(refreshed.string("price") == "240.50")
            #expect(refreshed.string("as_of") == F.rfc3339(clock.now))
            #expect(Self.quoteCalls(fake, "IBM") == 2)
        }
    }

    /// `(provider price, API price)`: 2 to 4 decimals, exact.
    static let priceRows: [(String, String)] = [
        ("232.1600", "232.16"), ("0.1250", "0.125"), ("12.0000", "12.00"), ("0.0001", "0.0001"),
        ("1234.5", "1234.50"), ("99", "99.00"), ("10.1010", "10.101"), ("3.1415", "3.1415"),
    ]

    @Test func pricesAreTheProvidersExactDecimals() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        for (index, (price, _)) in Self.priceRows.enumerated() { fake.setQuote(symbol: "P\(index)", price: price, day: "2026-11-24") }
        try await F.withStock(providerURL: fake.baseURL, clock: F.MovableClock()) { stock in
            for (index, (price, expected)) in Self.priceRows.enumerated() {
                let reply = try await stock.client.get("/stocks/P\(index)")
                #expect(reply.string("price") == expected, "\(price): \(reply.text)")
                #expect(reply.json["price"] is String, "a string, never a JSON number")
            }
        }
    }

    /// `(mode, why)`: every way the provider can fail while a stored quote exists.
    static let failures: [(Mode, String)] = [
        (.note, "Note (old rate limit)"),
        (.information, "Information (rate limit)"),
        (.http500, "HTTP 500"),
        (.garbage, "non-JSON 200"),
        (.hang, "hangs past PROVIDER_TIMEOUT_MS"),
        (.oversized(bytes: 2 << 20, declaresLength: true), "a 2 MiB body, declared (over the 1 MiB cap)"),
        (.oversized(bytes: 2 << 20, declaresLength: false), "a 2 MiB body running to the close"),
    ]

    @Test(arguments: failures)
    func aFailingProviderFallsBackToTheCacheWithTheOriginalAsOf(_ mode: Mode, _ why: String) async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        fake.setHistory(symbol: "IBM", closes: [("2026-11-21", "229.0000"), ("2026-11-24", "232.1600")])
        let clock = F.MovableClock()
        try await F.timingSensitive {
            try await F.withStock(providerURL: fake.baseURL, clock: clock, ["PROVIDER_TIMEOUT_MS": "300"]) { stock in
                let fetchedAt = clock.now
                #expect(try await stock.client.get("/stocks/IBM").string("source") == "live")
                #expect(try await stock.client.get("/stocks/IBM/history").status == 200)

                clock.advance(seconds: 120)
                fake.setMode(mode)
                let started = ContinuousClock.now
                let reply = try await stock.client.get("/stocks/IBM")
                let elapsed = ContinuousClock.now - started
                #expect(reply.status == 200, "\(why): \(reply.text)")
                #expect(reply.string("source") == "cache", "\(why)")
                #expect(reply.string("price") == "232.16", "\(why)")
                #expect(reply.string("as_of") == F.rfc3339(fetchedAt), "\(why): the original as_of")
                #expect(Self.quoteCalls(fake, "IBM") == 2, "\(why): the provider was asked")
                #expect(elapsed < Self.timeoutBound, "\(why): answered in \(elapsed)")

                let history = try await stock.client.get("/stocks/IBM/history")
                #expect(history.status == 200, "\(why): \(history.text)")
                let closes = (history.json["prices"] as? [[String: Any]])?.compactMap { $0["close"] as? String }
                #expect(closes == ["229.00", "232.16"], "\(why): the stored history")
            }
        }
    }

    @Test(arguments: failures)
    func aFailingProviderWithNothingStoredIs503WithRetryAfter(_ mode: Mode, _ why: String) async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        fake.setHistory(symbol: "IBM", closes: [("2026-11-24", "232.1600")])
        fake.setMode(mode)
        try await F.timingSensitive {
            try await F.withStock(providerURL: fake.baseURL, clock: F.MovableClock(), ["PROVIDER_TIMEOUT_MS": "300"]) { stock in
                for target in ["/stocks/IBM", "/stocks/IBM/history"] {
                    let started = ContinuousClock.now
                    let reply = try await stock.client.get(target)
                    let elapsed = ContinuousClock.now - started
                    F.expectProblem(reply, status: 503, type: "/problems/quote-unavailable", "\(why) \(target)")
                    #expect((F.retryAfter(reply) ?? 0) >= 1, "\(why) \(target): Retry-After \(reply.headers["Retry-After"] ?? "none")")
                    #expect(elapsed < Self.timeoutBound, "\(why) \(target): answered in \(elapsed)")
                }
            }
        }
    }

    @Test func aRefusedProviderWithNothingStoredIs503() async throws {
        let url = "http://127.0.0.1:\(try FakeProvider.closedPort())/query"
        try await F.withStock(providerURL: url, clock: F.MovableClock()) { stock in
            for target in ["/stocks/IBM", "/stocks/IBM/history?days=5"] {
                let reply = try await stock.client.get(target)
                F.expectProblem(reply, status: 503, type: "/problems/quote-unavailable", target)
                #expect((F.retryAfter(reply) ?? 0) >= 1)
            }
        }
    }

    @Test func aHangingProviderIsCutOffAtTheTimeout() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setMode(.hang)
        try await F.timingSensitive {
            try await F.withStock(providerURL: fake.baseURL, clock: F.MovableClock(), ["PROVIDER_TIMEOUT_MS": "300"]) { stock in
                let started = ContinuousClock.now
                let reply = try await stock.client.get("/stocks/HANG")
                let elapsed = ContinuousClock.now - started
                #expect(reply.status == 503)
                #expect(elapsed >= .milliseconds(250), "it did wait for the provider: \(elapsed)")
                #expect(elapsed < Self.timeoutBound, "PROVIDER_TIMEOUT_MS plus slack: \(elapsed)")
                #expect(Self.quoteCalls(fake, "HANG") == 1)
            }
        }
    }

    /// `(mode, why)`: replies that mean the symbol does not exist.
    static let unknowns: [(Mode, String)] = [(.normal, "empty Global Quote"), (.emptyQuote, "every symbol unknown"),
                                             (.errorMessage, "Error Message")]

    @Test(arguments: unknowns)
    func anUnknownSymbolIs404(_ mode: Mode, _ why: String) async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setMode(mode)
        try await F.withStock(providerURL: fake.baseURL, clock: F.MovableClock()) { stock in
            for target in ["/stocks/NOPE", "/stocks/NOPE/history"] {
                let reply = try await stock.client.get(target)
                F.expectProblem(reply, status: 404, type: "/problems/unknown-symbol", "\(why) \(target)")
            }
            #expect(Self.quoteCalls(fake, "NOPE") == 1)
        }
    }

    @Test func fiftyConcurrentRequestsForOneColdSymbolMakeOneProviderCall() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "NVDA", price: "131.2500", day: "2026-11-24")
        fake.setHistory(symbol: "NVDA", closes: [("2026-11-21", "130.0000"), ("2026-11-24", "131.2500")])
        fake.setMode(.delay(milliseconds: 400))
        try await F.withStock(providerURL: fake.baseURL, clock: F.MovableClock()) { stock in
            let client = stock.client
            let replies = try await F.concurrently(50) { index in
                try await client.get(index.isMultiple(of: 2) ? "/stocks/NVDA" : "/stocks/nvda")
            }
            #expect(replies.allSatisfy { $0.status == 200 }, "\(replies.map(\.status))")
            #expect(Set(replies.compactMap { $0.string("price") }) == ["131.25"])
            #expect(Set(replies.compactMap { $0.string("as_of") }).count == 1)
            #expect(Self.quoteCalls(fake, "NVDA") == 1, "one shared provider call")

            let histories = try await F.concurrently(20) { _ in try await client.get("/stocks/NVDA/history") }
            #expect(histories.allSatisfy { $0.status == 200 })
            #expect(fake.callCount(function: "TIME_SERIES_DAILY", symbol: "NVDA") == 1)
        }
    }

    /// `(path, expected status, why)`; 400s must never reach the provider.
    static let symbolRows: [(String, Int, String)] = [
        ("/stocks/ibm", 200, "lower case is accepted"),
        ("/stocks/IbM", 200, "mixed case"),
        ("/stocks/BRK.B", 200, "a dot"),
        ("/stocks/ABCDEFGHIJ", 404, "10 characters: valid, unknown"),
        ("/stocks/BF-B", 404, "a dash: valid, unknown"),
        ("/stocks/ABCDEFGHIJK", 400, "11 characters"),
        ("/stocks/AB@C", 400, "an @"),
        ("/stocks/%40", 400, "an encoded @"),
        ("/stocks/A%20B", 400, "an encoded space"),
        ("/stocks/A_B", 400, "an underscore"),
        ("/stocks/%C3%89", 400, "a non-ASCII letter"),
        ("/stocks/A%2FB", 400, "an encoded slash"),
        ("/stocks/", 400, "empty"),
        ("/stocks//history", 400, "empty, with history"),
        ("/stocks/ABCDEFGHIJK/history", 400, "11 characters, with history"),
        ("/stocks/AB@C/history?days=5", 400, "an @, with history"),
        ("/stocks/NOPE/history?days=0", 400, "bad days before unknown symbol"),
    ]

    @Test func symbolsAreValidatedAndReturnedUpperCase() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        fake.setQuote(symbol: "BRK.B", price: "470.0000", day: "2026-11-24")
        try await F.withStock(providerURL: fake.baseURL, clock: F.MovableClock()) { stock in
            for (path, status, why) in Self.symbolRows {
                let before = fake.requests.count
                let reply = try await stock.client.get(path)
                #expect(reply.status == status, "\(why): \(path) \(reply.text)")
                if status == 400 {
                    F.expectProblem(reply, status: 400, type: "/problems/invalid-request", "\(why): \(path)")
                    #expect(fake.requests.count == before, "\(why): no provider call for a malformed request")
                }
                if status == 200 {
                    let symbol = path.dropFirst("/stocks/".count).uppercased()
                    #expect(reply.string("symbol") == symbol, "\(why)")
                }
            }
            // The provider is asked in upper case, once (the second spelling is a cache hit).
            #expect(Self.quoteCalls(fake, "IBM") == 1)
            #expect(Self.quoteCalls(fake, "ibm") == 0)
        }
    }

    @Test func listingShowsTrackedStoredQuotesAndNeverCallsTheProvider() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        for (symbol, price) in [("AAPL", "230.1000"), ("IBM", "232.1600"), ("TSLA", "250.0000"), ("ZZZZ", "1.5000")] {
            fake.setQuote(symbol: symbol, price: price, day: "2026-11-24")
        }
        let clock = F.MovableClock()
        try await F.withStock(providerURL: fake.baseURL, clock: clock, ["STOCK_SYMBOLS": "ZZZZ,AAPL,MSFT,IBM"]) { stock in
            let empty = try await stock.client.get("/stocks")
            #expect(empty.status == 200)
            #expect(empty.text.replacingOccurrences(of: " ", with: "") == #"{"stocks":[]}"#)
            #expect(fake.requests.isEmpty, "listing never calls the provider")

            let ibmAt = clock.now
            _ = try await stock.client.get("/stocks/IBM")
            clock.advance(seconds: 5)
            let aaplAt = clock.now
            _ = try await stock.client.get("/stocks/aapl")
            _ = try await stock.client.get("/stocks/TSLA")  // not tracked
            _ = try await stock.client.get("/stocks/ZZZZ")
            clock.advance(seconds: 3_600)  // long past the TTL: the listing still shows stored quotes
            let calls = fake.requests.count

            let listing = try await stock.client.get("/stocks")
            #expect(fake.requests.count == calls, "listing never calls the provider")
            let stocks = try #require(listing.json["stocks"] as? [[String: Any]])
            #expect(stocks.map { $0["symbol"] as? String } == ["ZZZZ", "AAPL", "IBM"], "STOCK_SYMBOLS order, stored only")
            let aapl = try #require(stocks.first { $0["symbol"] as? String == "AAPL" })
            #expect(aapl["name"] as? String == "Apple Inc.")
            #expect(aapl["price"] as? String == "230.10")
            #expect(aapl["currency"] as? String == "USD")
            #expect(aapl["as_of"] as? String == F.rfc3339(aaplAt))
            let ibm = try #require(stocks.first { $0["symbol"] as? String == "IBM" })
            #expect(ibm["price"] as? String == "232.16")
            #expect(ibm["as_of"] as? String == F.rfc3339(ibmAt))
            for item in stocks {
                #expect(Set(item.keys) == ["symbol", "name", "price", "currency", "as_of"])
                #expect(((item["name"] as? String) ?? "").isEmpty == false)
            }
        }
    }

    @Test func aRestartKeepsTheCacheAndServesItWhenTheProviderIsRefused() async throws {
        let folder = try TemporaryFolder("stock-restart")
        defer { folder.remove() }
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        fake.setHistory(symbol: "IBM", closes: [("2026-11-20", "228.0000"), ("2026-11-21", "229.0000"), ("2026-11-24", "232.1600")])
        let clock = F.MovableClock()
        let fetchedAt = clock.now
        let tracked = ["STOCK_SYMBOLS": "IBM,MSFT"]

        let first = try await F.startStock(folder, providerURL: fake.baseURL, clock: clock, tracked)
        let live = try await first.client.get("/stocks/IBM")
        #expect(live.string("source") == "live")
        #expect(try await first.client.get("/stocks/IBM/history?days=3").status == 200)
        await first.host.shutdown()

        // Within the TTL after a restart: served from the file, no provider call.
        clock.advance(seconds: 10)
        let second = try await F.startStock(folder, providerURL: fake.baseURL, clock: clock, tracked)
        let warm = try await second.client.get("/stocks/IBM")
        #expect(warm.string("source") == "cache")
        #expect(warm.string("as_of") == F.rfc3339(fetchedAt))
        #expect(Self.quoteCalls(fake, "IBM") == 1)
        await second.host.shutdown()

        // Long after, with the provider refusing connections.
        clock.advance(seconds: 3_600)
        let refused = "http://127.0.0.1:\(try FakeProvider.closedPort())/query"
        let third = try await F.startStock(folder, providerURL: refused, clock: clock, tracked)
        do {
            let reply = try await third.client.get("/stocks/IBM")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.string("source") == "cache")
            #expect(reply.string("price") == "232.16")
            #expect(reply.string("as_of") == F.rfc3339(fetchedAt), "the original as_of survives the restart")
            let history = try await third.client.get("/stocks/IBM/history?days=2")
            #expect(history.status == 200)
            let dates = (history.json["prices"] as? [[String: Any]])?.compactMap { $0["date"] as? String }
            #expect(dates == ["2026-11-21", "2026-11-24"])
            let listing = try await third.client.get("/stocks")
            let symbols = (listing.json["stocks"] as? [[String: Any]])?.compactMap { $0["symbol"] as? String }
            #expect(symbols == ["IBM"])
            let never = try await third.client.get("/stocks/MSFT")
            F.expectProblem(never, status: 503, type: "/problems/quote-unavailable", "nothing stored for MSFT")
        } catch {
            await third.host.shutdown()
            throw error
        }
        await third.host.shutdown()
    }

    @Test func metricsLabelQuotesByRoutePatternNotPath() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "KO", price: "65.0000", day: "2026-11-24")
        try await F.withStock(providerURL: fake.baseURL, clock: F.MovableClock()) { stock in
            _ = try await stock.client.get("/stocks/ko")
            let metrics = try await stock.client.get("/metrics")
            #expect(metrics.status == 200)
            #expect(F.metricValue(metrics.text, "http_requests_total",
                                  ["method": "GET", "route": "/stocks/{symbol}", "status": "200"]) >= 1)
            #expect(!metrics.text.contains("route=\"/stocks/ko\""))
            #expect(!metrics.text.contains("route=\"/stocks/KO\""))
            #expect(metrics.text.contains("provider_requests_total{"), "provider calls are counted")
        }
    }
}
