import Foundation
import Synchronization
import Testing
import TestSupport

/// An unknown-symbol flood against live mode (issue 22, item 8): 2,000 distinct well-formed symbols
/// through the gateway while a normal user trades AAPL. The provider (the fake, counting) sees at
/// most the budget; the normal user's orders still execute at the stored AAPL quote.
@Suite(.serialized) struct AbuseUnknownSymbolTests {
    /// Peak RSS bounds, well inside compose's mem_limit (auth 256m, the others 128m), for debug builds.
    static let rssMiBMax = ["auth": 160, "stock": 96, "trade": 96, "gateway": 96]

    @Test(.timeLimit(.minutes(3)))
    func anUnknownSymbolFloodCostsAtMostTheBudgetWhileANormalUserTrades() async throws {
        let provider = try FakeProvider()
        defer { provider.stop() }
        provider.setQuote(symbol: "AAPL", price: "187.4325", day: "2026-11-24")
        // A one-second TTL: AAPL goes stale during the flood and must then come from the cache,
        // because the flood has spent the budget.
        let stock = ["API_KEY": "abuse-key", "STOCK_API_URL": provider.baseURL, "QUOTE_TTL_SECONDS": "1",
                     "PROVIDER_CALLS_PER_MINUTE": "5", "PROVIDER_CALLS_PER_DAY": "25"]
        try await SuiteProcesses.with(environment: ["stock": stock]) { suite in
            let gateway = suite.gateway()
            let started = ContinuousClock.now
            #expect(try await gateway.get("/stocks/AAPL").status == 200, "AAPL stored before the flood")
            let statuses = StatusTally()
            let outcome = try await AbuseHarness.run("2,000 unknown symbols", suite: suite) {
                _ = try await TradeParallel.run(count: 2_000, width: 16) { index in
                    let reply = try await gateway.get(index.isMultiple(of: 4) ? "/stocks/ZQ\(index)/history" : "/stocks/ZQ\(index)")
                    statuses.add(reply.status)
                }
            }
            let seen = statuses.counts
            print("abuse: unknown symbols: \(seen.sorted { $0.key < $1.key }); provider calls \(provider.requests.count)")
            // The minute's 5 calls; a run slowed past a minute may use the next minute's too.
            let budget = ContinuousClock.now - started < .seconds(60) ? 5 : 25
            #expect(provider.requests.count <= budget, "the budget at most: \(provider.requests.count) calls")
            #expect(Set(seen.keys).isSubset(of: [404, 503]), "\(seen)")
            #expect(seen[503, default: 0] >= 1_990, "past the budget: 503 with Retry-After: \(seen)")
            #expect(outcome.normalFailures.isEmpty, "\(outcome.normalFailures.prefix(5))")
            #expect(outcome.normalRequests >= 2)
            #expect(outcome.ledger.problems.isEmpty, "\(outcome.ledger.problems)")
            for (name, bound) in Self.rssMiBMax {
                let peak = outcome.peakRSSBytes[name] ?? 0
                #expect(peak > 0 && peak < bound << 20, "\(name): peak RSS \(peak >> 20) MiB, bound \(bound) MiB")
            }
            let quote = try await gateway.get("/stocks/AAPL")
            #expect(quote.status == 200 && quote.string("source") == "cache", "stored AAPL, past its TTL: \(quote.text)")
        }
    }

    /// Statuses seen by the attacker's concurrent requests.
    final class StatusTally: Sendable {
        private let tally = Mutex<[Int: Int]>([:])
        func add(_ status: Int) { tally.withLock { $0[status, default: 0] += 1 } }
        var counts: [Int: Int] { tally.withLock { $0 } }
    }
}
