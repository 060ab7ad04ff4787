import Foundation
import GRDB
import Money

/// An order beyond market (API.md "Orders beyond market", after Alpaca's): what was asked, and
/// where it stands. Stored in `orders`; every change of `status` commits with its effects.
struct TradeOrder: Sendable, Equatable {
    enum Kind: String, Sendable, CaseIterable { case market, limit, stop, stop_limit }
    enum TimeInForce: String, Sendable, CaseIterable { case day, gtc, ioc, fok }
    enum Status: String, Sendable, CaseIterable {
        case new, filled, canceled, expired, rejected
        /// `status=open` lists `new`; `closed` the rest.
        var isOpen: Bool { self == .new }
    }

    var id: Int64
    var userID: Int64
    var symbol: String
    var side: Order.Side
    var quantity: Int64
    var kind: Kind
    var timeInForce: TimeInForce
    var limitPrice: Price?
    var stopPrice: Price?
    var status: Status
    /// A stop-limit whose stop was crossed: from then on it is a limit order.
    var triggered: Bool
    /// Cash (buy) or shares (sell) held for this order while it is open; 0 once closed.
    var reservedCents: Int64
    var reservedShares: Int64
    var fee: Cents?
    var filledPrice: Price?
    var createdAt: String
    var filledAt: String?
    var canceledAt: String?
    var expiredAt: String?
    /// When a `day` order expires (ms since 1970, UTC); nil for every other time in force.
    var expiresAtMs: Int64?

    init(row: Row) {
        id = row["id"]
        userID = row["user_id"]
        symbol = row["symbol"]
        side = Order.Side(rawValue: row["side"])!
        quantity = row["quantity"]
        kind = Kind(rawValue: row["type"])!
        timeInForce = TimeInForce(rawValue: row["time_in_force"])!
        limitPrice = (row["limit_price_units"] as Int64?).map(Price.init(minorUnits:))
        stopPrice = (row["stop_price_units"] as Int64?).map(Price.init(minorUnits:))
        status = Status(rawValue: row["status"])!
        triggered = row["triggered"] as Int64 != 0
        reservedCents = row["reserved_cents"]
        reservedShares = row["reserved_shares"]
        fee = (row["fee_cents"] as Int64?).map(Cents.init(minorUnits:))
        filledPrice = (row["filled_price_units"] as Int64?).map(Price.init(minorUnits:))
        createdAt = row["created_at"]
        filledAt = row["filled_at"]
        canceledAt = row["canceled_at"]
        expiredAt = row["expired_at"]
        expiresAtMs = row["expires_at_ms"]
    }

    /// The order as the API shows it.
    var body: OrderBody {
        OrderBody(id: id, symbol: symbol, side: side.rawValue, quantity: quantity, type: kind.rawValue,
                  time_in_force: timeInForce.rawValue, limit_price: limitPrice, stop_price: stopPrice,
                  status: status.rawValue, fee: fee, filled_avg_price: filledPrice, created_at: createdAt,
                  filled_at: filledAt, canceled_at: canceledAt, expired_at: expiredAt)
    }

    /// Whether the order would trade at `price` now: a limit at its limit or better, a stop once
    /// crossed, a stop-limit once crossed and at its limit or better. Market orders always.
    func isMarketable(at price: Price) -> Bool {
        switch kind {
        case .market: true
        case .limit: limitCrossed(price)
        case .stop: stopCrossed(price)
        case .stop_limit: (triggered || stopCrossed(price)) && limitCrossed(price)
        }
    }

    func stopCrossed(_ price: Price) -> Bool {
        guard let stop = stopPrice else { return false }
        return side == .buy ? price >= stop : price <= stop
    }

    func limitCrossed(_ price: Price) -> Bool {
        guard let limit = limitPrice else { return false }
        return side == .buy ? price <= limit : price >= limit
    }
}

/// An order as `POST /trade/orders` and the order routes answer it; absent values are `null`.
struct OrderBody: Encodable, Equatable, Sendable {
    let id: Int64
    let symbol: String
    let side: String
    let quantity: Int64
    let type: String
    let time_in_force: String
    let limit_price: Price?
    let stop_price: Price?
    let status: String
    let fee: Cents?
    let filled_avg_price: Price?
    let created_at: String
    let filled_at: String?
    let canceled_at: String?
    let expired_at: String?

    enum CodingKeys: String, CodingKey {
        case id, symbol, side, quantity, type, time_in_force, limit_price, stop_price, status, fee, filled_avg_price
        case created_at, filled_at, canceled_at, expired_at
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(side, forKey: .side)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(type, forKey: .type)
        try c.encode(time_in_force, forKey: .time_in_force)
        // `encode`, not `encodeIfPresent`: an absent value is `null` (API.md).
        try c.encode(limit_price, forKey: .limit_price)
        try c.encode(stop_price, forKey: .stop_price)
        try c.encode(status, forKey: .status)
        try c.encode(fee, forKey: .fee)
        try c.encode(filled_avg_price, forKey: .filled_avg_price)
        try c.encode(created_at, forKey: .created_at)
        try c.encode(filled_at, forKey: .filled_at)
        try c.encode(canceled_at, forKey: .canceled_at)
        try c.encode(expired_at, forKey: .expired_at)
    }

    /// The exact bytes stored for idempotent replays and events (sorted keys, like every trade body).
    func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}

struct OrdersPage: Encodable {
    let orders: [OrderBody]
    let next: Int64?

    enum CodingKeys: String, CodingKey { case orders, next }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(orders, forKey: .orders)
        try container.encode(next, forKey: .next)
    }
}
