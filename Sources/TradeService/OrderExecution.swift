import Foundation
import GRDB
import Money
import Routing
import ServiceKit

/// One order's changes, applied inside the caller's transaction and savepoint. Every check is made
/// against what the transaction reads, never against earlier reads: that is what makes
/// concurrent orders safe.
enum OrderExecution {
    static func apply(_ order: Order, db: Database, initialCash: Cents, executedAt: String, nowMs: Int64) throws
        -> TransactionBody {
        try ensureAccount(db, userID: order.userID, initialCash: initialCash)
        let cash = Cents(minorUnits: try Int64.fetchOne(db.cachedStatement(sql: "SELECT cash_cents FROM accounts WHERE user_id = ?"),
                                                        arguments: [order.userID])!)
        let holding = try Row.fetchOne(db.cachedStatement(sql: "SELECT quantity, cost_basis_cents FROM holdings WHERE user_id = ? AND symbol = ?"),
                                       arguments: [order.userID, order.symbol])
            .map { (quantity: $0["quantity"] as Int64, costBasis: Cents(minorUnits: $0["cost_basis_cents"])) }
        let total: Cents
        let cashAfter: Cents
        do {
            total = try order.price.total(quantity: order.quantity)
            // A total that rounds to 0.00 (1 share at 0.0050 or less) would move shares for no
            // cash: free shares to sell later, or shares given away. Refused on both sides, after
            // the funds or shares check (API.md: selling a symbol never held is insufficient-shares).
            switch order.side {
            case .buy:
                guard total <= cash else { throw OrderRejection.insufficientFunds }
                guard total.minorUnits > 0 else { throw OrderRejection.orderTooSmall }
                cashAfter = try cash.subtracting(total)
                let newQuantity = (holding?.quantity ?? 0) + order.quantity
                let newBasis = try (holding?.costBasis ?? .zero).adding(total)
                try db.cachedStatement(sql: """
                    INSERT INTO holdings (user_id, symbol, quantity, cost_basis_cents) VALUES (?, ?, ?, ?)
                    ON CONFLICT(user_id, symbol) DO UPDATE SET quantity = excluded.quantity, cost_basis_cents = excluded.cost_basis_cents
                    """).execute(arguments: [order.userID, order.symbol, newQuantity, newBasis.minorUnits])
            case .sell:
                guard let holding, holding.quantity >= order.quantity else { throw OrderRejection.insufficientShares }
                guard total.minorUnits > 0 else { throw OrderRejection.orderTooSmall }
                cashAfter = try cash.adding(total)
                // Average cost: the sold shares take their proportional part of the basis.
                let removed = try holding.costBasis.proportion(order.quantity, of: holding.quantity)
                if holding.quantity == order.quantity {
                    try db.cachedStatement(sql: "DELETE FROM holdings WHERE user_id = ? AND symbol = ?")
                        .execute(arguments: [order.userID, order.symbol])
                } else {
                    try db.cachedStatement(sql: "UPDATE holdings SET quantity = ?, cost_basis_cents = ? WHERE user_id = ? AND symbol = ?")
                        .execute(arguments: [holding.quantity - order.quantity, try holding.costBasis.subtracting(removed).minorUnits,
                                               order.userID, order.symbol])
                }
            }
        } catch is MoneyError {
            throw OrderRejection.amountOverflow
        }
        // The checks above make this impossible; if it ever happened, refuse the order (its
        // savepoint rolls back) rather than crash or write a negative balance.
        guard cashAfter.minorUnits >= 0 else { throw HTTPError.internalError }
        try db.cachedStatement(sql: "UPDATE accounts SET cash_cents = ? WHERE user_id = ?").execute(arguments: [cashAfter.minorUnits, order.userID])
        try db.cachedStatement(sql: """
            INSERT INTO transactions (user_id, side, symbol, quantity, price_units, total_cents, cash_after_cents, executed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [order.userID, order.side.rawValue, order.symbol, order.quantity, order.price.minorUnits,
                             total.minorUnits, cashAfter.minorUnits, executedAt])
        let body = TransactionBody(id: db.lastInsertedRowID, side: order.side.rawValue, symbol: order.symbol,
                                   quantity: order.quantity, price: order.price, total: total,
                                   cash_after: cashAfter, executed_at: executedAt)
        try db.cachedStatement(sql: """
            INSERT INTO last_prices (symbol, price_units) VALUES (?, ?)
            ON CONFLICT(symbol) DO UPDATE SET price_units = excluded.price_units
            """).execute(arguments: [order.symbol, order.price.minorUnits])
        if let idempotency = order.idempotency {
            // REPLACE: a row still present here has expired (live keys never reach execution).
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at_ms)
                VALUES (?, ?, ?, 201, ?, ?)
                """).execute(arguments: [order.userID, idempotency.key, idempotency.fingerprint, Data(try body.jsonBytes()), nowMs])
        }
        return body
    }

    static func ensureAccount(_ db: Database, userID: Int64, initialCash: Cents) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO accounts (user_id, cash_cents, created_at) VALUES (?, ?, ?)")
            .execute(arguments: [userID, initialCash.minorUnits, Timestamp.rfc3339()])
    }

    static func body(_ row: Row) -> TransactionBody {
        TransactionBody(id: row["id"], side: row["side"], symbol: row["symbol"], quantity: row["quantity"],
                        price: Price(minorUnits: row["price_units"]), total: Cents(minorUnits: row["total_cents"]),
                        cash_after: Cents(minorUnits: row["cash_after_cents"]), executed_at: row["executed_at"])
    }
}
