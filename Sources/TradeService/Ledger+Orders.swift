import Foundation
import GRDB

/// Which orders `GET /trade/orders?status=` lists.
enum OrderFilter: String, Sendable, CaseIterable {
    case open, closed, all
}

/// One stored order event: its id (the stream's `id:`), and the order as JSON at that change.
struct OrderEvent: Sendable, Equatable {
    let id: Int64
    let userID: Int64
    /// The order's JSON, as `GET /trade/orders/{id}` showed it right after the change.
    let order: String
    let createdAt: String
}

extension Ledger {
    /// The user's order, or nil (also for another user's).
    func order(userID: Int64, id: Int64) async throws -> TradeOrder? {
        try await database.read { db in
            try OrderBook.load(id, db: db).flatMap { $0.userID == userID ? $0 : nil }
        }
    }

    /// A page of the user's orders, newest first, and the `before` of the next page.
    func orders(userID: Int64, filter: OrderFilter, limit: Int, before: Int64?) async throws
        -> (items: [TradeOrder], next: Int64?) {
        let condition = switch filter {
        case .open: "AND status = 'new'"
        case .closed: "AND status != 'new'"
        case .all: ""
        }
        let rows = try await database.read { db in
            // One cached statement per filter (three texts).
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM orders WHERE user_id = ? AND id < ? \(condition) ORDER BY id DESC LIMIT ?
                """), arguments: [userID, before ?? Int64.max, limit + 1]).map(TradeOrder.init(row:))
        }
        let items = Array(rows.prefix(limit))
        return (items, rows.count > limit ? items.last?.id : nil)
    }

    /// The user's order events with an id above `after`, oldest first, at most `limit`
    /// (what `GET /trade/events` sends, and resends from `Last-Event-ID`).
    func orderEvents(userID: Int64, after: Int64, limit: Int) async throws -> [OrderEvent] {
        try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, user_id, "order", created_at FROM order_events WHERE user_id = ? AND id > ? ORDER BY id LIMIT ?
                """), arguments: [userID, after, limit]).map {
                OrderEvent(id: $0["id"], userID: $0["user_id"], order: $0["order"], createdAt: $0["created_at"])
            }
        }
    }

    /// Symbols with open orders, in name order after `after` (the matcher's round robin), at most `limit`.
    func openSymbols(after: String, limit: Int) async throws -> [String] {
        try await database.read { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT symbol FROM orders WHERE status = 'new' AND symbol > ? ORDER BY symbol LIMIT ?
                """), arguments: [after, limit])
        }
    }

    /// Forgets order events older than `before` (RFC 3339 text compares in time order).
    func purgeOrderEvents(before: String) async throws -> Int {
        try await database.writeImmediate { db in
            try db.execute(sql: "DELETE FROM order_events WHERE created_at < ?", arguments: [before])
            return db.changesCount
        }
    }
}
