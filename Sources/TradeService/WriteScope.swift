import Foundation
import GRDB
import Money
import ServiceKit

/// What one commit of the ledger's writer shares among its jobs: the connection, the moment the
/// batch runs (from the injected ``TradeClock``), the settings, and the order events written so
/// far, which the ledger publishes to ``OrderEventHub`` only once the commit returned.
final class WriteScope {
    let db: Database
    let now: Date
    let nowText: String
    let nowMs: Int64
    let initialCash: Cents
    let fees: FeeSchedule
    let limits: TradeLimits
    /// Which accounts this shard may change now (a slot frozen for a move may not be).
    let ownership: SlotOwnership
    private(set) var events: [(userID: Int64, eventID: Int64)] = []

    init(db: Database, now: Date, initialCash: Cents, fees: FeeSchedule, limits: TradeLimits,
         ownership: SlotOwnership = SlotOwnership(owned: .all)) {
        self.db = db
        self.now = now
        nowText = Timestamp.rfc3339(now)
        nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        self.initialCash = initialCash
        self.fees = fees
        self.limits = limits
        self.ownership = ownership
    }

    /// Whether this shard may change `userID`'s account in this transaction.
    func mayWrite(_ userID: Int64) -> Bool { (try? ownership.check(userID: userID, write: true)) != nil }

    /// Runs `body` in a SAVEPOINT: on a throw, its changes and the events it wrote are undone and
    /// the error passes on; the rest of the batch goes on.
    ///
    /// What GRDB's `inSavepoint` does (roll back and release on a throw, keep the first error), on
    /// cached statements: `inSavepoint` parses its `SAVEPOINT` and `RELEASE` text anew each time,
    /// two SQLite prepares per order (bench/RESULTS.md).
    func savepoint<T>(_ body: () throws -> T) throws -> T {
        let mark = events.count
        try db.cachedStatement(sql: "SAVEPOINT job").execute()
        do {
            let result = try body()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
            return result
        } catch {
            events.removeSubrange(mark...)
            // ROLLBACK TO keeps the savepoint open: RELEASE takes it off SQLite's stack. A failure
            // here (the transaction itself was aborted) leaves the first error to report.
            try? db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT job").execute()
            try? db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
            throw error
        }
    }

    /// Stores `order`'s new state as an event in `order_events`, in the caller's transaction.
    func recordEvent(_ order: TradeOrder) throws {
        let json = String(decoding: try order.body.jsonBytes(), as: UTF8.self)
        try db.cachedStatement(sql: #"INSERT INTO order_events (user_id, "order", created_at) VALUES (?, ?, ?)"#)
            .execute(arguments: [order.userID, json, nowText])
        events.append((order.userID, db.lastInsertedRowID))
    }
}
