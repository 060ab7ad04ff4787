import Foundation
import GRDB
import TestSupport
import Testing

/// What an order does when its database cannot take the write: another process holds SQLite's
/// write lock for longer than the service's busy timeout (5 s). The order must fail whole, with a
/// problem and nothing written, and the service must take the next order once the lock is gone.
@Suite(.serialized) struct TradeStorageFaultTests {
    @Test(.timeLimit(.minutes(1)))
    func anOrderThatCannotCommitFailsWholeAndTheNextOneExecutes() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            #expect(try await trade.order("buy", "AAPL", 1, token: token).status == 201)
            let before = try await TradeSnapshot.take(trade.client, token: token)

            // A second connection to the same file takes the write lock and keeps it.
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true  // the lock is held across two accesses on purpose
            let blocker = try DatabaseQueue(path: trade.databasePath, configuration: configuration)
            try await blocker.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
            let started = ContinuousClock.now
            let failed = try await trade.order("buy", "AAPL", 2, token: token, key: "fault-1")
            let waited = ContinuousClock.now - started
            try await blocker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            try blocker.close()

            #expect(failed.isTradeProblem(503, "/problems/service-unavailable"), "\(failed.status) \(failed.text)")
            #expect(failed.headers["Retry-After"] == "5")
            #expect(waited >= .seconds(4) && waited < .seconds(30), "gave up after \(waited): the busy timeout, then an answer")
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before, "nothing of the failed order was written")

            // The same key again: the failed attempt left no stored response and no key in flight.
            let retried = try await trade.order("buy", "AAPL", 2, token: token, key: "fault-1")
            #expect(retried.status == 201, "\(retried.status) \(retried.text)")
            #expect(retried.headers["Idempotent-Replayed"] == nil)
            let after = try await TradeSnapshot.take(trade.client, token: token)
            #expect(after != before)
        }
    }
}
