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
    private(set) var events: [(userID: Int64, eventID: Int64)] = []

    init(db: Database, now: Date, initialCash: Cents, fees: FeeSchedule, limits: TradeLimits) {
        self.db = db
        self.now = now
        nowText = Timestamp.rfc3339(now)
        nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        self.initialCash = initialCash
        self.fees = fees
        self.limits = limits
    }

    /// Runs `body` in a SAVEPOINT: on a throw, its changes and the events it wrote are undone and
    /// the error passes on; the rest of the batch goes on.
    func savepoint<T>(_ body: () throws -> T) throws -> T {
        let mark = events.count
        var result: T?
        do {
            try db.inSavepoint {
                result = try body()
                return .commit
            }
        } catch {
            events.removeSubrange(mark...)
            throw error
        }
        return result!
    }

    /// Stores `order`'s new state as an event in `order_events`, in the caller's transaction.
    func recordEvent(_ order: TradeOrder) throws {
        let json = String(decoding: try order.body.jsonBytes(), as: UTF8.self)
        try db.cachedStatement(sql: #"INSERT INTO order_events (user_id, "order", created_at) VALUES (?, ?, ?)"#)
            .execute(arguments: [order.userID, json, nowText])
        events.append((order.userID, db.lastInsertedRowID))
    }
}
