import Foundation
import MarketData
import Money
import Testing
@testable import TradeService

/// Orders against the built-in simulated market (seeded random walk, MarketData) on a hand-moved
/// clock: the price the matcher sees is the market's quote at the clock's time, so fills happen
/// offline, reproducibly, and no test sleeps.
@Suite struct SimulatedMarketOrderTests {
    /// The simulated market read at the engine's clock.
    struct SimulatedPrices: PriceSource {
        let market = SimulatedMarket(seed: 20_261_124)
        let clock: HandTradeClock

        func currentPrice(_ symbol: String) async -> Price? { market.quote(symbol: symbol, at: clock.now()) }
    }

    static func engine() throws -> OrderEngine {
        let clock = HandTradeClock(OrderEngine.tuesdayAfternoon)
        return try OrderEngine(cash: "100000.00", prices: SimulatedPrices(clock: clock), clock: clock)
    }

    static let market = SimulatedMarket(seed: 20_261_124)
    static let minutesAhead = 10 * 24 * 60

    /// A price halfway from the quote at `from` to the walk's lowest (`down`) or highest point in
    /// the next ten days, and the first minute the walk reaches it; nil if it never moves that way.
    static func target(_ symbol: String, from: Date, down: Bool) -> (price: Price, minute: Int)? {
        let start = market.quote(symbol: symbol, at: from)!.minorUnits
        let path = (1...minutesAhead).map { market.quote(symbol: symbol, at: from.addingTimeInterval(Double($0) * 60))!.minorUnits }
        let extreme = down ? path.min()! : path.max()!
        let price = start + (extreme - start) / 2
        guard (down ? start - extreme : extreme - start) >= 2,
              let index = path.firstIndex(where: { down ? $0 <= price : $0 >= price }) else { return nil }
        return (Price(minorUnits: price), index + 1)
    }

    /// Ticks one minute before `minute` (nothing may fill) and at it.
    static func tickAround(_ engine: OrderEngine, minute: Int) async throws -> (before: MatchReport, at: MatchReport) {
        engine.clock.advance(seconds: Double(minute - 1) * 60)
        let before = try await engine.matcher.tick()
        engine.clock.advance(seconds: 60)
        return (before, try await engine.matcher.tick())
    }

    @Test(arguments: [Order.Side.buy, .sell])
    func aLimitFillsAtTheMarketsQuoteOnceItReachesTheLimit(_ side: Order.Side) async throws {
        try await Self.engine().run { engine in
            let market = Self.market
            let now = engine.clock.now()
            // The first listed symbol whose walk moves the way this side needs (the seed fixes which).
            let (symbol, limit, minute) = try #require(market.symbols.lazy.compactMap { listing in
                Self.target(listing.symbol, from: now, down: side == .buy).map { (listing.symbol, $0.price, $0.minute) }
            }.first, "no symbol's walk moves that way in ten days")
            let start = market.quote(symbol: symbol, at: now)!
            if side == .sell { try await engine.marketBuy(10, at: start.description, symbol: symbol) }
            let order = try await engine.place(side, 10, .limit, .gtc, limit: limit.description, symbol: symbol)
            #expect(order.status == .new)
            let ticks = try await Self.tickAround(engine, minute: minute)
            #expect(ticks.before.filled == 0 && ticks.at.filled == 1, "filled in the minute the walk reached \(limit), not before")
            let filled = try await engine.order(order.id)
            let quote = market.quote(symbol: symbol, at: engine.clock.now())!
            #expect(filled.status == .filled && filled.filledPrice == quote, "filled at the quote of the minute it crossed")
            #expect(side == .buy ? quote <= limit : quote >= limit, "at the limit or better")
        }
    }

    @Test func aStopSellTriggersWhenTheWalkFallsThroughIt() async throws {
        try await Self.engine().run { engine in
            let market = Self.market
            let start = market.quote(symbol: "MSFT", at: engine.clock.now())!
            try await engine.marketBuy(5, at: start.description, symbol: "MSFT")
            let (stop, minute) = try #require(Self.target("MSFT", from: engine.clock.now(), down: true),
                                              "the walk never falls from \(start) in ten days")
            let order = try await engine.place(.sell, 5, .stop, .gtc, stop: stop.description, symbol: "MSFT")
            let ticks = try await Self.tickAround(engine, minute: minute)
            #expect(ticks.before.filled == 0 && ticks.at.filled == 1)
            let filled = try await engine.order(order.id)
            #expect(filled.status == .filled && filled.filledPrice! <= stop)
            #expect(filled.filledPrice == market.quote(symbol: "MSFT", at: engine.clock.now()))
        }
    }

    @Test func aDayOrderTheWalkNeverReachesExpiresAtMidnightUTC() async throws {
        try await Self.engine().run { engine in
            let start = SimulatedMarket(seed: 20_261_124).quote(symbol: "KO", at: engine.clock.now())!
            // Half the price: out of reach of a day's walk.
            let order = try await engine.place(.buy, 1, .limit, .day, limit: Price(minorUnits: start.minorUnits / 2).description, symbol: "KO")
            engine.clock.advance(seconds: 9 * 3600)
            _ = try await engine.matcher.tick()
            let expired = try await engine.order(order.id)
            #expect(expired.status == .expired && expired.expiredAt == "2026-11-25T00:00:00Z")
            #expect(try await engine.books().reserved == "0.00")
        }
    }
}
