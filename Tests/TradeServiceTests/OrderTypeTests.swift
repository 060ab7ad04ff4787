import Foundation
import Money
import Testing
@testable import TradeService

/// Each order type and time in force against prices the test sets and a clock it moves
/// (`OrderEngine`): no sockets, a real SQLite file, no sleeps.
@Suite struct OrderTypeTests {
    @Test func limitBuyRestsReservesAndFillsAtTheMarketPriceOnceCrossed() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            let order = try await engine.place(.buy, 10, .limit, limit: "95.00")
            #expect(order.status == .new && order.fee == nil && order.filledPrice == nil)
            var books = try await engine.books()
            #expect(books.cash == "10000.00" && books.reserved == "950.00")
            // Above the limit: nothing happens.
            engine.hand.set("AAPL", "95.01")
            #expect(try await engine.matcher.tick().filled == 0)
            // Below it: filled at the better price, the reservation returned.
            engine.hand.set("AAPL", "94.50")
            #expect(try await engine.matcher.tick().filled == 1)
            let filled = try await engine.order(order.id)
            #expect(filled.status == .filled && filled.filledPrice == Price(parsing: "94.50") && filled.fee == .zero)
            #expect(filled.filledAt == "2026-11-24T15:00:00Z")
            books = try await engine.books()
            #expect(books.cash == "9055.00" && books.reserved == "0.00" && books.quantity == 10 && books.basis == "945.00")
            // A closed order is matched no more.
            #expect(try await engine.matcher.tick().filled == 0)
        }
    }

    @Test func limitSellReservesSharesAndFillsAtOrAboveItsLimit() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            try await engine.marketBuy(10, at: "100.00")
            let order = try await engine.place(.sell, 6, .limit, limit: "110.00")
            var books = try await engine.books()
            #expect(books.quantity == 10 && books.reservedShares == 6)
            // The reserved shares cannot be sold twice, by another order or by /trade/sell.
            await #expect(throws: OrderRejection.insufficientShares) { try await engine.place(.sell, 5, .limit, limit: "120.00") }
            await #expect(throws: OrderRejection.insufficientShares) {
                _ = try await engine.ledger.execute(Order(userID: 1, side: .sell, symbol: "AAPL", quantity: 5,
                                                          price: Price(parsing: "100.00")!, deadline: .now + .seconds(5))).get()
            }
            engine.hand.set("AAPL", "112.25")
            #expect(try await engine.matcher.tick().filled == 1)
            #expect(try await engine.order(order.id).filledPrice == Price(parsing: "112.25"))
            books = try await engine.books()
            // 10000 − 1000 + 6 × 112.25; basis 1000 − 600.
            #expect(books.cash == "9673.50" && books.quantity == 4 && books.reservedShares == 0 && books.basis == "400.00")
        }
    }

    @Test func stopOrdersTriggerWhenCrossedAndTradeAtTheMarket() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            try await engine.marketBuy(5, at: "100.00")
            let buyStop = try await engine.place(.buy, 2, .stop, stop: "105.00")
            let sellStop = try await engine.place(.sell, 5, .stop, stop: "90.00")
            // A stop buy reserves its stop raised by the 5% collar: 2 × 110.25.
            #expect(try await engine.books().reserved == "220.50")
            engine.hand.set("AAPL", "104.99")
            #expect(try await engine.matcher.tick().filled == 0)
            engine.hand.set("AAPL", "105.10")
            #expect(try await engine.matcher.tick().filled == 1)
            #expect(try await engine.order(buyStop.id).filledPrice == Price(parsing: "105.10"))
            #expect(try await engine.order(sellStop.id).status == .new)
            engine.hand.set("AAPL", "89.00")
            #expect(try await engine.matcher.tick().filled == 1)
            #expect(try await engine.order(sellStop.id).filledPrice == Price(parsing: "89.00"))
        }
    }

    @Test func stopBuyAboveItsCollarTradesOnlyWithFreeCashElseIsRejected() async throws {
        try await OrderEngine(cash: "1100.00").run { engine in
            engine.hand.set("AAPL", "100.00")
            let order = try await engine.place(.buy, 10, .stop, stop: "100.50")  // reserves 1055.25
            #expect(try await engine.books().reserved == "1055.25")
            engine.hand.set("AAPL", "120.00")  // 1200.00 > 1100.00 of cash
            let report = try await engine.matcher.tick()
            #expect(report.rejected == 1 && report.filled == 0)
            let rejected = try await engine.order(order.id)
            #expect(rejected.status == .rejected && rejected.filledPrice == nil)
            let books = try await engine.books()
            #expect(books.cash == "1100.00" && books.reserved == "0.00" && books.quantity == 0)
        }
    }

    @Test func stopLimitTriggersOnceThenWaitsForItsLimit() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            let order = try await engine.place(.buy, 1, .stop_limit, limit: "103.00", stop: "102.00")
            engine.hand.set("AAPL", "104.00")  // stop crossed, limit not
            let first = try await engine.matcher.tick()
            #expect(first.triggered == 1 && first.filled == 0)
            #expect(try await engine.order(order.id).triggered)
            engine.hand.set("AAPL", "101.00")  // back under the stop: triggered stays, limit now met
            #expect(try await engine.matcher.tick().filled == 1)
            #expect(try await engine.order(order.id).filledPrice == Price(parsing: "101.00"))
        }
    }

    @Test func marketAndMarketableOrdersTradeAtOnce() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            let market = try await engine.place(.buy, 3, .market, .day)
            #expect(market.status == .filled && market.filledPrice == Price(parsing: "100.00") && market.expiresAtMs != nil)
            let marketable = try await engine.place(.buy, 1, .limit, .gtc, limit: "150.00")
            #expect(marketable.status == .filled && marketable.filledPrice == Price(parsing: "100.00"))
            let books = try await engine.books()
            #expect(books.cash == "9600.00" && books.reserved == "0.00" && books.quantity == 4)
            // A market buy beyond the cash is 422 and leaves nothing behind.
            await #expect(throws: OrderRejection.insufficientFunds) { try await engine.place(.buy, 97, .market) }
            #expect(try await engine.ledger.orders(userID: 1, filter: .all, limit: 100, before: nil).items.count == 2)
        }
    }

    @Test(arguments: [TradeOrder.TimeInForce.ioc, .fok])
    func immediateOrdersFillNowOrExpireNow(_ tif: TradeOrder.TimeInForce) async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            let missed = try await engine.place(.buy, 10, .limit, tif, limit: "99.00")
            #expect(missed.status == .expired && missed.expiredAt == "2026-11-24T15:00:00Z")
            #expect(try await engine.books().reserved == "0.00")
            let hit = try await engine.place(.buy, 10, .limit, tif, limit: "100.00")
            #expect(hit.status == .filled)
            let stop = try await engine.place(.sell, 10, .stop, tif, stop: "90.00")
            let reservedShares = try await engine.books().reservedShares
            #expect(stop.status == .expired && reservedShares == 0)
        }
    }

    @Test func dayOrdersExpireAtMidnightUTCAndGtcOrdersDoNot() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            let day = try await engine.place(.buy, 1, .limit, .day, limit: "50.00")
            let gtc = try await engine.place(.buy, 1, .limit, .gtc, limit: "50.00")
            #expect(try await engine.books().reserved == "100.00")
            engine.clock.advance(seconds: 9 * 3600 - 1)  // 23:59:59
            #expect(try await engine.matcher.tick().expired == 0)
            engine.clock.advance(seconds: 1)  // 2026-11-25T00:00:00Z
            #expect(try await engine.matcher.tick().expired == 1)
            let expired = try await engine.order(day.id)
            #expect(expired.status == .expired && expired.expiredAt == "2026-11-25T00:00:00Z")
            #expect(try await engine.order(gtc.id).status == .new)
            #expect(try await engine.books().reserved == "50.00")
        }
    }

    @Test func tradingDayEndIsTheNextMidnightUTC() {
        let cases: [(String, Int64)] = [
            ("2026-11-24T15:00:00Z", 1_795_564_800_000), ("2026-11-24T00:00:00Z", 1_795_564_800_000),
            ("2026-11-24T23:59:59Z", 1_795_564_800_000), ("2026-11-28T12:00:00Z", 1_795_910_400_000),
        ]
        let parser = ISO8601DateFormatter()
        for (text, expected) in cases {
            #expect(TradingDayEnd.after(parser.date(from: text)!) == expected, "\(text)")
        }
    }

    @Test func cancelReleasesTheReservationOnceAndOnlyForTheOwner() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            let order = try await engine.place(.buy, 10, .limit, limit: "90.00")
            await #expect(throws: OrderRejection.orderNotFound) { try await engine.cancel(order.id, user: 2) }
            await #expect(throws: OrderRejection.orderNotFound) { try await engine.cancel(order.id + 100, user: 1) }
            #expect(try await engine.ledger.order(userID: 2, id: order.id) == nil)
            let canceled = try await engine.cancel(order.id)
            #expect(canceled.status == .canceled && canceled.canceledAt == "2026-11-24T15:00:00Z")
            #expect(try await engine.books().reserved == "0.00")
            await #expect(throws: OrderRejection.orderNotCancelable) { try await engine.cancel(order.id) }
            let filled = try await engine.place(.buy, 1, .market)
            await #expect(throws: OrderRejection.orderNotCancelable) { try await engine.cancel(filled.id) }
            engine.hand.set("AAPL", "80.00")
            #expect(try await engine.matcher.tick().filled == 0, "a canceled order never fills")
        }
    }

    @Test func reservationsLimitBuyingPower() async throws {
        try await OrderEngine(cash: "1000.00").run { engine in
            engine.hand.set("AAPL", "100.00")
            _ = try await engine.place(.buy, 6, .limit, limit: "99.00")  // 594.00 held
            await #expect(throws: OrderRejection.insufficientFunds) { try await engine.place(.buy, 5, .limit, limit: "99.00") }
            await #expect(throws: OrderRejection.insufficientFunds) { try await engine.place(.buy, 5, .market) }
            _ = try await engine.place(.buy, 4, .limit, limit: "99.00")  // 396.00: 990.00 held of 1000.00
            #expect(try await engine.books().reserved == "990.00")
            await #expect(throws: OrderRejection.insufficientShares) { try await engine.place(.sell, 1, .limit, limit: "99.00") }
        }
    }

    @Test func openOrdersAreBoundedPerUserAndInTotal() async throws {
        try await OrderEngine(configure: { $0.openOrdersPerUserMax = 3; $0.openOrdersMax = 5 }).run { engine in
            engine.hand.set("AAPL", "100.00")
            for _ in 0..<3 { _ = try await engine.place(.buy, 1, .limit, limit: "50.00", user: 1) }
            await #expect(throws: OrderRejection.tooManyOpenOrders) { try await engine.place(.buy, 1, .limit, limit: "50.00", user: 1) }
            // Orders that do not rest are not bounded by it.
            #expect(try await engine.place(.buy, 1, .market, user: 1).status == .filled)
            for _ in 0..<2 { _ = try await engine.place(.buy, 1, .limit, limit: "50.00", user: 2) }
            await #expect(throws: OrderRejection.orderBookFull) { try await engine.place(.buy, 1, .limit, limit: "50.00", user: 3) }
            #expect(try await engine.books(user: 3).reserved == "0.00", "the refused order left nothing behind")
        }
    }

    @Test func aTickFillsAtMostItsBoundAndTheNextTickTheRest() async throws {
        try await OrderEngine(ordersPerTickMax: 2).run { engine in
            engine.hand.set("AAPL", "100.00")
            for _ in 0..<5 { _ = try await engine.place(.buy, 1, .limit, limit: "95.00") }
            engine.hand.set("AAPL", "94.00")
            let first = try await engine.matcher.tick()
            #expect(first.filled == 2 && first.truncated)
            #expect(try await engine.matcher.tick().filled == 2)
            #expect(try await engine.matcher.tick().filled == 1)
            #expect(engine.hand.lookups.withLock { $0["AAPL"] } == 5 + 3, "one lookup per placement and one per symbol per tick")
        }
    }
}
