import Foundation
import Money
import Synchronization
import TestSupport
@testable import TradeService

/// A clock moved by hand: no test sleeps for time to pass.
final class HandTradeClock: TradeClock {
    private let time: Mutex<Date>

    init(_ start: Date) { time = Mutex(start) }

    func now() -> Date { time.withLock { $0 } }

    func advance(seconds: Double) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Prices set by the test, per symbol.
final class HandPrices: PriceSource {
    private let prices = Mutex<[String: Price]>([:])
    /// Lookups made, per symbol (the matcher makes one per symbol per tick).
    let lookups = Mutex<[String: Int]>([:])

    func set(_ symbol: String, _ text: String) { prices.withLock { $0[symbol] = Price(parsing: text)! } }

    func currentPrice(_ symbol: String) async -> Price? {
        lookups.withLock { $0[symbol, default: 0] += 1 }
        return prices.withLock { $0[symbol] }
    }
}

/// A ledger on a temporary SQLite file, a hand clock and a matcher over `prices`.
struct OrderEngine {
    let folder: TemporaryFolder
    let ledger: Ledger
    let matcher: OrderMatcher
    let clock: HandTradeClock
    let prices: any PriceSource

    /// Tuesday 2026-11-24 15:00:00 UTC.
    static let tuesdayAfternoon = Date(timeIntervalSince1970: 1_795_532_400)

    init(cash: String = "10000.00", fees: FeeSchedule = .zero, prices: any PriceSource = HandPrices(),
         clock: HandTradeClock = HandTradeClock(OrderEngine.tuesdayAfternoon),
         configure: (inout TradeLimits) -> Void = { _ in }, ordersPerTickMax: Int = TradeLimits.matchOrdersPerTickMax) throws {
        folder = try TemporaryFolder("order-engine")
        var limits = TradeLimits(pendingOrdersMax: 4096)
        configure(&limits)
        self.clock = clock
        self.prices = prices
        ledger = try Ledger(path: folder.path + "/trade.sqlite", initialCash: Cents(parsing: cash)!, limits: limits, fees: fees,
                            clock: clock)
        matcher = OrderMatcher(ledger: ledger, prices: prices, ordersPerTickMax: ordersPerTickMax)
    }

    var hand: HandPrices { prices as! HandPrices }

    /// Places an order at the source's current price, as `POST /trade/orders` does.
    func place(_ side: Order.Side, _ quantity: Int64, _ kind: TradeOrder.Kind, _ tif: TradeOrder.TimeInForce = .gtc,
               limit: String? = nil, stop: String? = nil, user: Int64 = 1, symbol: String = "AAPL")
        async throws -> TradeOrder {
        guard let price = await prices.currentPrice(symbol) else { throw OrderRejection.priceUnavailable }
        let request = OrderRequest(userID: user, symbol: symbol, side: side, quantity: quantity, kind: kind, timeInForce: tif,
                                   limitPrice: limit.map { Price(parsing: $0)! }, stopPrice: stop.map { Price(parsing: $0)! },
                                   price: price, idempotency: nil)
        return try await ledger.place(request, deadline: .now + .seconds(30)).get()
    }

    func cancel(_ id: Int64, user: Int64 = 1) async throws -> TradeOrder {
        try await ledger.cancel(userID: user, orderID: id, deadline: .now + .seconds(30)).get()
    }

    func order(_ id: Int64, user: Int64 = 1) async throws -> TradeOrder {
        try await ledger.order(userID: user, id: id)!
    }

    /// Cash, reserved cash, and the holding of `symbol` (quantity, reserved shares, cost basis).
    func books(user: Int64 = 1, symbol: String = "AAPL") async throws
        -> (cash: String, reserved: String, quantity: Int64, reservedShares: Int64, basis: String) {
        try await ledger.database.read { db in
            let account = try Row.fetchOne(db, sql: "SELECT cash_cents, reserved_cents FROM accounts WHERE user_id = ?", arguments: [user])
            let holding = try Row.fetchOne(db, sql: """
                SELECT quantity, reserved_shares, cost_basis_cents FROM holdings WHERE user_id = ? AND symbol = ?
                """, arguments: [user, symbol])
            return (Cents(minorUnits: account?["cash_cents"] ?? 0).description, Cents(minorUnits: account?["reserved_cents"] ?? 0).description,
                    holding?["quantity"] ?? 0, holding?["reserved_shares"] ?? 0, Cents(minorUnits: holding?["cost_basis_cents"] ?? 0).description)
        }
    }

    /// A market buy through `/trade/buy`'s path, to give the user shares.
    func marketBuy(_ quantity: Int64, at price: String, user: Int64 = 1, symbol: String = "AAPL") async throws {
        _ = try await ledger.execute(Order(userID: user, side: .buy, symbol: symbol, quantity: quantity,
                                           price: Price(parsing: price)!, deadline: .now + .seconds(30))).get()
    }

    /// Runs `body` with this engine, then closes the ledger and removes its folder, also when `body` throws.
    func run(_ body: (OrderEngine) async throws -> Void) async throws {
        defer { folder.remove() }
        try await ledger.closing { try await body(self) }
    }
}

extension Ledger {
    /// Runs `body`, then closes the ledger, also when `body` throws. The close is awaited on a thread of
    /// its own (`closeFromTask`): GRDB's close is a barrier that waits for every access in flight, and
    /// called from a test it held one of the cooperative pool's threads (two on 2 cores) while suites
    /// ran in parallel, which could leave no thread for the work it waited for.
    func closing(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            try? await closeFromTask()
            throw error
        }
        try? await closeFromTask()
    }
}

import GRDB
