import Foundation
import GRDB
import Money
import Routing
import ServiceKit

/// One trade's changes, applied inside the caller's transaction and savepoint. Every check is made
/// against what the transaction reads, never against earlier reads: that is what makes
/// concurrent orders safe.
///
/// Cash held by open buys (`accounts.reserved_cents`) and shares held by open sells
/// (`holdings.reserved_shares`) are not available to a trade; CHECK constraints
/// (`reserved_cents <= cash_cents`, `reserved_shares <= quantity`) make spending them twice
/// impossible even for a bug here.
enum OrderExecution {
    /// A market order of `/trade/buy` or `/trade/sell` (and its idempotency key).
    static func apply(_ order: Order, db: Database, initialCash: Cents, fees: FeeSchedule, executedAt: String,
                      nowMs: Int64) throws -> TransactionBody {
        try ensureAccount(db, userID: order.userID, initialCash: initialCash, createdAt: executedAt)
        let body = try settle(userID: order.userID, side: order.side, symbol: order.symbol, quantity: order.quantity,
                              price: order.price, fees: fees, db: db, executedAt: executedAt)
        if let idempotency = order.idempotency {
            try remember(db, userID: order.userID, idempotency: idempotency, body: try body.jsonBytes(), nowMs: nowMs)
        }
        return body
    }

    /// Moves cash and shares for one trade at `price`, pays its fee, and records the transaction.
    /// A buy needs `total + fee` of unreserved cash and adds both to the holding's cost basis; a
    /// sell needs unreserved shares and receives `total − fee`.
    static func settle(userID: Int64, side: Order.Side, symbol: String, quantity: Int64, price: Price,
                       fees: FeeSchedule, db: Database, executedAt: String) throws -> TransactionBody {
        // Columns read by position, as selected (by name, each lookup compares lower-cased copies).
        let account = try Row.fetchOne(db.cachedStatement(sql: "SELECT cash_cents, reserved_cents FROM accounts WHERE user_id = ?"),
                                       arguments: [userID])!
        let cash = Cents(minorUnits: account[0])
        let reserved = Cents(minorUnits: account[1])
        let holding = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT quantity, reserved_shares, cost_basis_cents FROM holdings WHERE user_id = ? AND symbol = ?
            """), arguments: [userID, symbol])
            .map { (quantity: $0[0] as Int64, reserved: $0[1] as Int64, costBasis: Cents(minorUnits: $0[2])) }
        let total: Cents
        let fee: Cents
        let cashAfter: Cents
        do {
            total = try price.total(quantity: quantity)
            fee = try fees.fee(quantity: quantity, notional: total)
            // A total that rounds to 0.00 (1 share at 0.0050 or less) would move shares for no
            // cash: free shares to sell later, or shares given away. Refused on both sides, after
            // the funds or shares check (API.md: selling a symbol never held is insufficient-shares).
            switch side {
            case .buy:
                let cost = try total.adding(fee)
                guard cost <= (try cash.subtracting(reserved)) else { throw OrderRejection.insufficientFunds }
                guard total.minorUnits > 0 else { throw OrderRejection.orderTooSmall }
                cashAfter = try cash.subtracting(cost)
                let newQuantity = (holding?.quantity ?? 0) + quantity
                // The fee is part of what the shares cost (API.md).
                let newBasis = try (holding?.costBasis ?? .zero).adding(cost)
                try db.cachedStatement(sql: """
                    INSERT INTO holdings (user_id, symbol, quantity, cost_basis_cents) VALUES (?, ?, ?, ?)
                    ON CONFLICT(user_id, symbol) DO UPDATE SET quantity = excluded.quantity, cost_basis_cents = excluded.cost_basis_cents
                    """).execute(arguments: [userID, symbol, newQuantity, newBasis.minorUnits])
            case .sell:
                guard let holding, holding.quantity - holding.reserved >= quantity else {
                    throw OrderRejection.insufficientShares
                }
                guard total.minorUnits > 0 else { throw OrderRejection.orderTooSmall }
                // The fee comes out of the proceeds; a fee above them must be paid from free cash.
                cashAfter = try cash.adding(total).subtracting(fee)
                guard cashAfter >= reserved else { throw OrderRejection.insufficientFunds }
                // Average cost: the sold shares take their proportional part of the basis.
                let removed = try holding.costBasis.proportion(quantity, of: holding.quantity)
                if holding.quantity == quantity {
                    try db.cachedStatement(sql: "DELETE FROM holdings WHERE user_id = ? AND symbol = ?")
                        .execute(arguments: [userID, symbol])
                } else {
                    try db.cachedStatement(sql: "UPDATE holdings SET quantity = ?, cost_basis_cents = ? WHERE user_id = ? AND symbol = ?")
                        .execute(arguments: [holding.quantity - quantity, try holding.costBasis.subtracting(removed).minorUnits,
                                               userID, symbol])
                }
            }
        } catch is MoneyError {
            throw OrderRejection.amountOverflow
        }
        // The checks above make this impossible; if it ever happened, refuse the order (its
        // savepoint rolls back) rather than crash or write a negative balance.
        guard cashAfter.minorUnits >= 0 else { throw HTTPError.internalError }
        try db.cachedStatement(sql: "UPDATE accounts SET cash_cents = ? WHERE user_id = ?").execute(arguments: [cashAfter.minorUnits, userID])
        try db.cachedStatement(sql: """
            INSERT INTO transactions (user_id, side, symbol, quantity, price_units, total_cents, fee_cents, cash_after_cents, executed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [userID, side.rawValue, symbol, quantity, price.minorUnits,
                             total.minorUnits, fee.minorUnits, cashAfter.minorUnits, executedAt])
        let body = TransactionBody(id: db.lastInsertedRowID, side: side.rawValue, symbol: symbol,
                                   quantity: quantity, price: price, total: total, fee: fee,
                                   cash_after: cashAfter, executed_at: executedAt)
        try db.cachedStatement(sql: """
            INSERT INTO last_prices (symbol, price_units) VALUES (?, ?)
            ON CONFLICT(symbol) DO UPDATE SET price_units = excluded.price_units
            """).execute(arguments: [symbol, price.minorUnits])
        return body
    }

    /// Stores the response of a keyed request with its effects.
    static func remember(_ db: Database, userID: Int64, idempotency: (key: String, fingerprint: String), body: [UInt8],
                         nowMs: Int64) throws {
        // REPLACE: a row still present here has expired (live keys never reach execution).
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at_ms)
            VALUES (?, ?, ?, 201, ?, ?)
            """).execute(arguments: [userID, idempotency.key, idempotency.fingerprint, Data(body), nowMs])
    }

    static func ensureAccount(_ db: Database, userID: Int64, initialCash: Cents, createdAt: String = Timestamp.rfc3339()) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO accounts (user_id, cash_cents, created_at) VALUES (?, ?, ?)")
            .execute(arguments: [userID, initialCash.minorUnits, createdAt])
    }

    /// The columns ``body(_:)`` reads, in its order.
    static let bodyColumns = "id, side, symbol, quantity, price_units, total_cents, fee_cents, cash_after_cents, executed_at"

    /// A row of ``bodyColumns``, read by position: by name, GRDB matches each column's name without
    /// regard to case (a lower-cased copy per lookup), 15,000 instructions per row (bench/RESULTS.md).
    static func body(_ row: Row) -> TransactionBody {
        TransactionBody(id: row[0], side: row[1], symbol: row[2], quantity: row[3], price: Price(minorUnits: row[4]),
                        total: Cents(minorUnits: row[5]), fee: Cents(minorUnits: row[6]), cash_after: Cents(minorUnits: row[7]),
                        executed_at: row[8])
    }
}
