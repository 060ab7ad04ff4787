import Foundation
import GRDB
import Money
import Routing

/// What `POST /trade/orders` asks, validated and priced (the current price was looked up first, so
/// an unknown symbol is 404 and no price 503 before anything changes).
struct OrderRequest: Sendable {
    var userID: Int64
    var symbol: String
    var side: Order.Side
    var quantity: Int64
    var kind: TradeOrder.Kind
    var timeInForce: TradeOrder.TimeInForce
    var limitPrice: Price?
    var stopPrice: Price?
    /// The current price when the order arrived: market orders and marketable ones trade at it.
    var price: Price
    var idempotency: (key: String, fingerprint: String)?
}

/// The order engine's changes to the books, each applied inside the writer's transaction and a
/// savepoint of its own (``WriteScope``). Every state change of an order writes the order row and
/// an `order_events` row together with the cash and shares it moves.
enum OrderBook {
    /// Places an order: market orders trade at once; the others reserve their worst case, then
    /// fill at once when marketable, expire at once when `ioc`/`fok` and not, or rest.
    static func place(_ request: OrderRequest, scope: WriteScope) throws -> TradeOrder {
        let db = scope.db
        try OrderExecution.ensureAccount(db, userID: request.userID, initialCash: scope.initialCash, createdAt: scope.nowText)
        var reservedCents: Int64 = 0
        var reservedShares: Int64 = 0
        if request.kind != .market {
            switch request.side {
            case .buy:
                reservedCents = try reservation(request, fees: scope.fees, collarBps: scope.limits.stopCollarBps).minorUnits
                let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT cash_cents, reserved_cents FROM accounts WHERE user_id = ?"),
                                           arguments: [request.userID])!
                guard (row["cash_cents"] as Int64) - (row["reserved_cents"] as Int64) >= reservedCents else {
                    throw OrderRejection.insufficientFunds
                }
                try db.cachedStatement(sql: "UPDATE accounts SET reserved_cents = reserved_cents + ? WHERE user_id = ?")
                    .execute(arguments: [reservedCents, request.userID])
            case .sell:
                let free = try Int64.fetchOne(db.cachedStatement(sql: """
                    SELECT quantity - reserved_shares FROM holdings WHERE user_id = ? AND symbol = ?
                    """), arguments: [request.userID, request.symbol]) ?? 0
                guard free >= request.quantity else { throw OrderRejection.insufficientShares }
                reservedShares = request.quantity
                try db.cachedStatement(sql: "UPDATE holdings SET reserved_shares = reserved_shares + ? WHERE user_id = ? AND symbol = ?")
                    .execute(arguments: [reservedShares, request.userID, request.symbol])
            }
        }
        let expiresAtMs: Int64? = request.timeInForce == .day ? TradingDayEnd.after(scope.now) : nil
        try db.cachedStatement(sql: """
            INSERT INTO orders (user_id, symbol, side, quantity, type, time_in_force, limit_price_units, stop_price_units,
                                status, reserved_cents, reserved_shares, created_at, expires_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?)
            """).execute(arguments: [request.userID, request.symbol, request.side.rawValue, request.quantity, request.kind.rawValue,
                             request.timeInForce.rawValue, request.limitPrice?.minorUnits, request.stopPrice?.minorUnits,
                             reservedCents, reservedShares, scope.nowText, expiresAtMs])
        var order = try load(db.lastInsertedRowID, db: db)!
        try opened(order, scope: scope)
        try scope.recordEvent(order)
        if order.isMarketable(at: request.price) {
            // Placed marketable: it trades now at the current price, or not at all (a 422, and the
            // savepoint undoes the placement too).
            if order.kind == .stop_limit { try markTriggered(order, db: db) }
            order = try fill(order, at: request.price, scope: scope, rejectIfUnaffordable: false)
        } else if order.timeInForce == .ioc || order.timeInForce == .fok {
            // Whole orders only, so fill-or-kill and immediate-or-cancel agree: not now, never.
            order = try close(order, as: .expired, scope: scope)
        } else {
            try checkOpenBounds(userID: order.userID, scope: scope)
        }
        if let idempotency = request.idempotency {
            try OrderExecution.remember(db, userID: request.userID, idempotency: idempotency,
                                        body: try order.body.jsonBytes(), nowMs: scope.nowMs)
        }
        return order
    }

    /// Cash a buy holds while open: its worst-case cost plus that cost's fee. A limit or stop-limit
    /// buy never pays more than its limit; a stop buy becomes a market order when crossed, so its
    /// worst case is the stop raised by the collar (`STOP_COLLAR_BPS`). A stop buy that triggers
    /// above its collar trades only if the account's free cash covers the difference, and is
    /// otherwise `rejected`.
    static func reservation(_ request: OrderRequest, fees: FeeSchedule, collarBps: Int64) throws -> Cents {
        do {
            let worst: Price
            switch request.kind {
            case .limit, .stop_limit: worst = request.limitPrice!
            case .stop:
                worst = Price(minorUnits: try Rounding.multiply(request.stopPrice!.minorUnits, by: 10_000 + collarBps,
                                                                dividingBy: 10_000))
            case .market: return .zero
            }
            let notional = try worst.total(quantity: request.quantity)
            return try notional.adding(try fees.fee(quantity: request.quantity, notional: notional))
        } catch {
            throw OrderRejection.amountOverflow  // MoneyError: only absurd prices reach it
        }
    }

    /// Fills an open order at `price`: releases its reservation and trades. A buy the account can
    /// no longer pay for (a stop buy that triggered above its collar) is `rejected` when
    /// `rejectIfUnaffordable`, else the rejection is thrown.
    static func fill(_ order: TradeOrder, at price: Price, scope: WriteScope, rejectIfUnaffordable: Bool) throws -> TradeOrder {
        do {
            return try scope.savepoint {
                try release(order, db: scope.db)
                let trade = try OrderExecution.settle(userID: order.userID, side: order.side, symbol: order.symbol,
                                                      quantity: order.quantity, price: price, fees: scope.fees,
                                                      db: scope.db, executedAt: scope.nowText)
                try scope.db.cachedStatement(sql: """
                    UPDATE orders SET status = 'filled', reserved_cents = 0, reserved_shares = 0, fee_cents = ?,
                        filled_price_units = ?, filled_at = ? WHERE id = ? AND status = 'new'
                    """).execute(arguments: [trade.fee.minorUnits, price.minorUnits, scope.nowText, order.id])
                guard scope.db.changesCount == 1 else { throw OrderRejection.orderNotCancelable }
                return try closed(order.id, scope: scope)
            }
        } catch let rejection as OrderRejection
            where rejectIfUnaffordable && (rejection == .insufficientFunds || rejection == .insufficientShares
                                           || rejection == .orderTooSmall) {
            return try close(order, as: .rejected, scope: scope)
        }
    }

    /// Cancels the user's open order; another user's is not found.
    static func cancel(userID: Int64, orderID: Int64, scope: WriteScope) throws -> TradeOrder {
        guard let order = try load(orderID, db: scope.db), order.userID == userID else { throw OrderRejection.orderNotFound }
        guard order.status == .new else { throw OrderRejection.orderNotCancelable }
        return try close(order, as: .canceled, scope: scope)
    }

    /// Closes an open order without trading: its reservation returns to the account.
    static func close(_ order: TradeOrder, as status: TradeOrder.Status, scope: WriteScope) throws -> TradeOrder {
        try release(order, db: scope.db)
        let sql = switch status {
        case .canceled: "UPDATE orders SET status = 'canceled', reserved_cents = 0, reserved_shares = 0, canceled_at = ? WHERE id = ? AND status = 'new'"
        case .expired: "UPDATE orders SET status = 'expired', reserved_cents = 0, reserved_shares = 0, expired_at = ? WHERE id = ? AND status = 'new'"
        // Rejected has no timestamp of its own in API.md; its event's `created_at` says when.
        case .rejected, .new, .filled: "UPDATE orders SET status = 'rejected', reserved_cents = 0, reserved_shares = 0 WHERE id = ? AND status = 'new' AND ? IS NOT NULL"
        }
        precondition(status == .canceled || status == .expired || status == .rejected, "close(as: \(status))")
        try scope.db.cachedStatement(sql: sql).execute(arguments: status == .rejected ? [order.id, scope.nowText] : [scope.nowText, order.id])
        guard scope.db.changesCount == 1 else { throw OrderRejection.orderNotCancelable }
        return try closed(order.id, scope: scope)
    }

    /// After an order left `new`: the open counts drop and the new state is an event.
    private static func closed(_ id: Int64, scope: WriteScope) throws -> TradeOrder {
        let order = try load(id, db: scope.db)!
        try scope.db.cachedStatement(sql: "UPDATE accounts SET open_orders = open_orders - 1 WHERE user_id = ?")
            .execute(arguments: [order.userID])
        try scope.db.cachedStatement(sql: "UPDATE order_book SET open_orders = open_orders - 1 WHERE id = 1").execute()
        try scope.recordEvent(order)
        return order
    }

    private static func opened(_ order: TradeOrder, scope: WriteScope) throws {
        try scope.db.cachedStatement(sql: "UPDATE accounts SET open_orders = open_orders + 1 WHERE user_id = ?")
            .execute(arguments: [order.userID])
        try scope.db.cachedStatement(sql: "UPDATE order_book SET open_orders = open_orders + 1 WHERE id = 1").execute()
    }

    /// An order that will rest must fit `OPEN_ORDERS_PER_USER_MAX` and `OPEN_ORDERS_MAX` (the
    /// counts already include it).
    private static func checkOpenBounds(userID: Int64, scope: WriteScope) throws {
        let user = try Int64.fetchOne(scope.db.cachedStatement(sql: "SELECT open_orders FROM accounts WHERE user_id = ?"),
                                      arguments: [userID]) ?? 0
        guard user <= scope.limits.openOrdersPerUserMax else { throw OrderRejection.tooManyOpenOrders }
        let all = try Int64.fetchOne(scope.db.cachedStatement(sql: "SELECT open_orders FROM order_book WHERE id = 1")) ?? 0
        guard all <= scope.limits.openOrdersMax else { throw OrderRejection.orderBookFull }
    }

    /// Returns an open order's reservation to the account.
    private static func release(_ order: TradeOrder, db: Database) throws {
        if order.reservedCents > 0 {
            try db.cachedStatement(sql: "UPDATE accounts SET reserved_cents = reserved_cents - ? WHERE user_id = ?")
                .execute(arguments: [order.reservedCents, order.userID])
        }
        if order.reservedShares > 0 {
            try db.cachedStatement(sql: "UPDATE holdings SET reserved_shares = reserved_shares - ? WHERE user_id = ? AND symbol = ?")
                .execute(arguments: [order.reservedShares, order.userID, order.symbol])
        }
    }

    static func markTriggered(_ order: TradeOrder, db: Database) throws {
        try db.cachedStatement(sql: "UPDATE orders SET triggered = 1 WHERE id = ?").execute(arguments: [order.id])
    }

    static func load(_ id: Int64, db: Database) throws -> TradeOrder? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM orders WHERE id = ?"), arguments: [id]).map(TradeOrder.init(row:))
    }
}
