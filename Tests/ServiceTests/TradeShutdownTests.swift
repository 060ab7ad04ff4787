import Synchronization
import Testing
import TestSupport

/// Shutting trade down while its order matcher waits on the stock service.
@Suite struct TradeShutdownTests {
    /// The matcher's price request runs on the service's event loops. Stopping those loops before
    /// the matcher had ended left that request unanswerable, and the shutdown, which waits for the
    /// matcher, waited forever (a hung `docker stop`, seen as a hung test run).
    /// With and without the slot-admin listener, which shares the loops (and used to stop them).
    @Test(arguments: [[:], ["TRADE_ADMIN_PORT": "0"]])
    func shutdownEndsWhileTheMatcherWaitsForAPrice(_ extra: [String: String]) async throws {
        // Long enough for the order to be placed on a loaded machine; the shutdown waits it out.
        let upstreamTimeoutMs = 6_000
        let trade = try await TradeHarness.start(.init(upstreamTimeoutMs: upstreamTimeoutMs,
                                                      environment: ["MATCH_INTERVAL_MS": "20"].merging(extra) { $1 }))
        defer { Task { await trade.shutdown() } }
        let token = try await trade.token(1)
        trade.setPrice("AAPL", "100.00")
        let placed = try await trade.client.post(
            "/trade/orders", json: #"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"90.00"}"#,
            token: token)
        try #require(placed.status == 201, "\(placed.text)")
        // The provider stops answering; the matcher's next price request waits on it (through stock).
        let provider = try #require(trade.fake)
        provider.setMode(.hang)
        let asked = provider.requests.count
        #expect(await Eventually.holds { provider.requests.count > asked }, "the matcher never asked for a price")

        // A flag, not the task's value: a shutdown that never ends must fail the test, not hang it.
        final class Flag: Sendable {
            private let value = Atomic<Bool>(false)
            var isSet: Bool { value.load(ordering: .acquiring) }
            func set() { value.store(true, ordering: .releasing) }
        }
        let finished = Flag()
        let started = ContinuousClock.now
        Task {
            await trade.shutdownTrade()
            finished.set()
        }
        // Bounded by the upstream timeout (the request fails, the matcher sees its cancellation).
        let bound = Duration.milliseconds(upstreamTimeoutMs) + .seconds(10)
        while !finished.isSet && ContinuousClock.now - started < bound {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(finished.isSet, "shutdown still waiting after \(ContinuousClock.now - started)")
    }
}
