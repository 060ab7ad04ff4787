import Foundation
import ServiceKit
import StockService
import TestSupport
import Testing

/// Live mode's defences of the provider quota (issue 22, item 8) against `FakeProvider`, counting
/// its calls, with the service's clock injected: the negative cache of unknown symbols and the call
/// budget (`PROVIDER_CALLS_PER_MINUTE` / `PROVIDER_CALLS_PER_DAY`).
@Suite struct StockProviderBudgetTests {
    typealias F = AuthStockFixtures

    /// A free key's budget, as shipped (the fixtures turn the budget off for other tests).
    static let freeKey = ["PROVIDER_CALLS_PER_MINUTE": "5", "PROVIDER_CALLS_PER_DAY": "25"]

    static func calls(_ fake: FakeProvider) -> Int { fake.requests.count }

    @Test func theSecondRequestForAnUnknownSymbolCostsNoCall() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        let clock = F.MovableClock()
        try await F.withStock(providerURL: fake.baseURL, clock: clock, ["QUOTE_TTL_SECONDS": "60"]) { stock in
            for target in ["/stocks/ZZZZ1", "/stocks/zzzz1", "/stocks/ZZZZ1/history", "/stocks/ZZZZ1", "/stocks/ZZZZ1/history"] {
                let reply = try await stock.client.get(target)
                F.expectProblem(reply, status: 404, type: "/problems/unknown-symbol", target)
            }
            #expect(fake.callCount(function: "GLOBAL_QUOTE", symbol: "ZZZZ1") == 1, "one call, then the negative cache")
            #expect(fake.callCount(function: "TIME_SERIES_DAILY", symbol: "ZZZZ1") == 1, "each function remembers its own")
            #expect(Self.calls(fake) == 2, "\(fake.requests)")

            clock.advance(seconds: 59)
            F.expectProblem(try await stock.client.get("/stocks/ZZZZ1"), status: 404, type: "/problems/unknown-symbol")
            #expect(Self.calls(fake) == 2, "remembered for the quote TTL")

            // Past the TTL it is asked again, and a symbol that became known is served.
            clock.advance(seconds: 1)
            fake.setQuote(symbol: "ZZZZ1", price: "3.2500", day: "2026-11-24")
            let listed = try await stock.client.get("/stocks/ZZZZ1")
            #expect(listed.status == 200 && listed.string("source") == "live", "\(listed.text)")
            #expect(Self.calls(fake) == 3)
        }
    }

    @Test func aStoredSymbolTheProviderStopsKnowingCostsOneCallPerTTL() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        let clock = F.MovableClock()
        try await F.withStock(providerURL: fake.baseURL, clock: clock, ["QUOTE_TTL_SECONDS": "60"]) { stock in
            #expect(try await stock.client.get("/stocks/IBM").string("source") == "live")
            clock.advance(seconds: 61)
            fake.setMode(.emptyQuote)  // delisted
            for _ in 0..<20 {
                F.expectProblem(try await stock.client.get("/stocks/IBM"), status: 404, type: "/problems/unknown-symbol")
            }
            #expect(Self.calls(fake) == 2, "one call to learn it, none per request after: \(fake.requests)")
        }
    }

    @Test func anUnknownSymbolFloodCostsAtMostTheBudgetAndKnownSymbolsAreStillServed() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "IBM", price: "232.1600", day: "2026-11-24")
        fake.setHistory(symbol: "IBM", closes: [("2026-11-21", "229.0000"), ("2026-11-24", "232.1600")])
        let clock = F.MovableClock()
        var environment = Self.freeKey
        environment["QUOTE_TTL_SECONDS"] = "10"
        try await F.withStock(providerURL: fake.baseURL, clock: clock, environment) { stock in
            let fetchedAt = clock.now
            #expect(try await stock.client.get("/stocks/IBM").string("source") == "live")
            #expect(try await stock.client.get("/stocks/IBM/history").status == 200)
            #expect(Self.calls(fake) == 2)

            // 500 distinct invented symbols at once: three more calls fit the minute, the rest are
            // 503 with the seconds until the first call leaves the window.
            let client = stock.client
            let flood = try await TradeParallel.run(count: 500, width: 16) { index in
                try await client.get(index.isMultiple(of: 5) ? "/stocks/ZZ\(index)/history" : "/stocks/ZZ\(index)")
            }
            #expect(Self.calls(fake) == 5, "the minute's budget, no more")
            #expect(flood.count { $0.status == 404 } == 3, "\(Set(flood.map(\.status)))")
            let refused = flood.filter { $0.status == 503 }
            #expect(refused.count == 497)
            for reply in refused.prefix(3) {
                F.expectProblem(reply, status: 503, type: "/problems/quote-unavailable", "over budget")
            }
            #expect(Set(refused.map { F.retryAfter($0) }) == [60], "Retry-After: seconds until the budget frees")

            // Known symbols during the flood: fresh from the cache, then stale past the TTL but
            // still served with the original as_of, because no call is left.
            #expect(try await stock.client.get("/stocks/IBM").string("source") == "cache")
            clock.advance(seconds: 30)
            let stale = try await stock.client.get("/stocks/IBM")
            #expect(stale.status == 200, "\(stale.text)")
            #expect(stale.string("source") == "cache")
            #expect(stale.string("as_of") == F.rfc3339(fetchedAt))
            let history = try await stock.client.get("/stocks/IBM/history")
            #expect(history.status == 200, "stored history past its TTL: \(history.text)")
            let nothing = try await stock.client.get("/stocks/MSFT")
            F.expectProblem(nothing, status: 503, type: "/problems/quote-unavailable", "nothing stored")
            #expect(F.retryAfter(nothing) == 30)
            #expect(Self.calls(fake) == 5)

            // The flood goes on for a day: the daily 25 are never exceeded.
            for minute in 1...60 {
                clock.advance(seconds: 60)
                _ = try await TradeParallel.run(count: 20, width: 8) { index in
                    try await client.get("/stocks/Y\(minute)X\(index)")
                }
            }
            #expect(Self.calls(fake) == 25, "the day's budget")
            let dayGone = try await stock.client.get("/stocks/NEWONE")
            F.expectProblem(dayGone, status: 503, type: "/problems/quote-unavailable", "day budget spent")
            let wait = F.retryAfter(dayGone) ?? 0
            #expect(wait > 80_000 && wait <= 86_400, "until the first call of the day leaves the window: \(wait)")
            let ibm = try await stock.client.get("/stocks/IBM")
            #expect(ibm.string("source") == "cache" && ibm.string("as_of") == F.rfc3339(fetchedAt))

            let metrics = try await stock.client.get("/metrics")
            #expect(F.metricValue(metrics.text, "provider_budget_exhausted_total", [:]) >= 497)
        }
    }

    @Test func theBudgetAndCacheBoundsAreValidatedWithTheirDefaults() throws {
        let folder = try TemporaryFolder("stock-budget-config")
        defer { folder.remove() }
        let base = ["DATABASE_PATH": folder.path + "/stock.sqlite"]
        let defaults = try StockConfig(environment: Environment(base))
        #expect(defaults.providerCallsPerMinute == 5 && defaults.providerCallsPerDay == 25, "a free key")
        #expect(defaults.unknownSymbolsMax == 10_000)
        let unlimited = try StockConfig(environment: Environment(base.merging(
            ["PROVIDER_CALLS_PER_MINUTE": "0", "PROVIDER_CALLS_PER_DAY": "0"]) { $1 }))
        #expect(unlimited.providerCallsPerMinute == 0 && unlimited.providerCallsPerDay == 0)
        for (variable, value) in [("PROVIDER_CALLS_PER_MINUTE", "-1"), ("PROVIDER_CALLS_PER_MINUTE", "5/min"),
                                  ("PROVIDER_CALLS_PER_DAY", "100001"), ("UNKNOWN_SYMBOLS_MAX", "0")] {
            #expect(throws: ConfigError.self, "\(variable)=\(value)") {
                try StockConfig(environment: Environment(base.merging([variable: value]) { $1 }))
            }
            do {
                _ = try StockConfig(environment: Environment(base.merging([variable: value]) { $1 }))
            } catch let error as ConfigError {
                #expect(error.variable == variable)
            }
        }
    }
}
