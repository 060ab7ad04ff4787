import Foundation
import Money
import Testing
@testable import TradeService

/// Many parallel orders of one user never spend reserved cash or shares twice, and a cancel racing
/// a fill has exactly one winner.
@Suite struct OrderRaceTests {
    @Test func parallelBuysNeverReserveMoreThanTheCash() async throws {
        try await OrderEngine(cash: "1000.00").run { engine in
            engine.hand.set("AAPL", "100.00")
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        // Resting limits and market buys mixed: both draw on the same buying power.
                        if index % 3 == 0 {
                            return (try? await engine.place(.buy, 1, .market)) != nil
                        }
                        return (try? await engine.place(.buy, 1, .limit, limit: "99.00")) != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            let books = try await engine.books()
            let cash = Cents(parsing: books.cash)!.minorUnits
            let reserved = Cents(parsing: books.reserved)!.minorUnits
            #expect(reserved <= cash && cash >= 0)
            let open = try await engine.ledger.orders(userID: 1, filter: .open, limit: 100, before: nil).items
            let filled = try await engine.ledger.orders(userID: 1, filter: .closed, limit: 100, before: nil).items
            #expect(outcomes.filter { $0 }.count == open.count + filled.count)
            // Every cent accounted for: what was bought plus what is held equals the cash spent or held.
            #expect(cash + Int64(filled.count) * 100_00 == 1000_00 && reserved == Int64(open.count) * 99_00)
            #expect(cash - reserved < 100_00, "the buys stopped only when no further one fit")
        }
    }

    @Test func parallelSellsNeverSellAShareTwice() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            try await engine.marketBuy(10, at: "100.00")
            let accepted = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        if index % 4 == 0 {
                            return (try? await engine.ledger.execute(Order(userID: 1, side: .sell, symbol: "AAPL", quantity: 1,
                                                                           price: Price(parsing: "100.00")!,
                                                                           deadline: .now + .seconds(30))).get()) != nil
                        }
                        return (try? await engine.place(.sell, 1, .limit, limit: "150.00")) != nil
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(accepted == 10)
            let books = try await engine.books()
            #expect(books.reservedShares <= books.quantity)
            let open = try await engine.ledger.orders(userID: 1, filter: .open, limit: 100, before: nil).items.count
            #expect(Int64(open) == books.reservedShares && books.quantity == Int64(open))
        }
    }

    @Test func cancelRacingAFillHasExactlyOneWinner() async throws {
        try await OrderEngine().run { engine in
            var wins = (cancel: 0, fill: 0)
            for _ in 0..<25 {
                engine.hand.set("AAPL", "100.00")
                let order = try await engine.place(.buy, 1, .limit, limit: "95.00")
                engine.hand.set("AAPL", "94.00")
                async let canceled: Result<TradeOrder, any Error> = engine.ledger.cancel(userID: 1, orderID: order.id,
                                                                                          deadline: .now + .seconds(30))
                async let ticked = engine.matcher.tick()
                let (cancel, tick) = (await canceled, try await ticked)
                let final = try await engine.order(order.id)
                switch (cancel, tick.filled) {
                case (.success(let result), 0):
                    #expect(result.status == .canceled && final.status == .canceled)
                    wins.cancel += 1
                case (.failure(let error), 1):
                    #expect(error as? OrderRejection == .orderNotCancelable && final.status == .filled)
                    wins.fill += 1
                default:
                    Issue.record("both or neither won: cancel \(cancel), filled \(tick.filled), final \(final.status)")
                }
            }
            let books = try await engine.books()
            #expect(books.reserved == "0.00" && books.quantity == Int64(wins.fill))
            #expect(wins.cancel + wins.fill == 25)
        }
    }
}
