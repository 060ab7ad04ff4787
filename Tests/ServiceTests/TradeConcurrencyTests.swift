import Foundation
import Synchronization
import TestSupport
import Testing

/// Concurrent orders never oversell or overspend (API.md "Trade"): the ledger batches them into
/// one SQLite transaction with a SAVEPOINT each, and every order re-reads cash and shares inside
/// it. After every test the ledger checker recomputes the books from the transaction log.
@Suite struct TradeConcurrencyTests {
    @Test func fiftyParallelSellsOfTenAgainstAHundredSharesExecuteExactlyTen() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("SELL", "3.00")
            #expect(try await trade.order("buy", "SELL", 100, token: token).transaction?.cashAfter == "9700.00")
            let replies = try await TradeParallel.run(count: 50, width: 50) { _ in
                try await trade.order("sell", "SELL", 10, token: token)
            }
            let executed = replies.filter { $0.status == 201 }
            let refused = replies.filter { $0.isTradeProblem(422, "/problems/insufficient-shares") }
            #expect(executed.count == 10)
            #expect(refused.count == 40, "\(Set(replies.map(\.status)))")
            #expect(Set(executed.compactMap(\.transaction).map(\.cashAfter)).count == 10, "each sale saw the one before")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.holdings.isEmpty, "all 100 shares sold, none oversold")
            #expect(log.cashCents == 10_000_00)
            #expect(log.transactions.count == 11)
            #expect(Set(log.transactions.filter { $0.side == "sell" }) == Set(executed.compactMap(\.transaction)))
        }
    }

    @Test func thirtyParallelBuysExecuteExactlyAsManyAsTheCashCovers() async throws {
        try await TradeHarness.with(.init(initialCash: "100.00")) { trade in
            let token = try await trade.token(1)
            trade.setPrice("BUY", "7.00")
            let replies = try await TradeParallel.run(count: 30, width: 30) { _ in
                try await trade.order("buy", "BUY", 1, token: token)
            }
            let executed = replies.filter { $0.status == 201 }
            let refused = replies.filter { $0.isTradeProblem(422, "/problems/insufficient-funds") }
            #expect(executed.count == 14, "100.00 / 7.00 is 14 whole shares")
            #expect(refused.count == 16, "\(Set(replies.map(\.status)))")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.cashCents == 2_00)
            #expect(log.holdings["BUY"] == .init(quantity: 14, costBasisCents: 98_00))
        }
    }

    @Test func parallelBuysOfDifferentSizesNeverOverspend() async throws {
        try await TradeHarness.with(.init(initialCash: "100.00")) { trade in
            let token = try await trade.token(1)
            trade.setPrice("BUY", "1.00")
            let sizes = [7, 13, 29, 3, 41, 17, 11, 23, 5, 19, 31, 2]
            let replies = try await TradeParallel.run(count: sizes.count, width: sizes.count) { index in
                try await trade.order("buy", "BUY", sizes[index], token: token)
            }
            #expect(replies.allSatisfy { $0.status == 201 || $0.isTradeProblem(422, "/problems/insufficient-funds") })
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.cashCents >= 0)
            let spent = zip(sizes, replies).filter { $0.1.status == 201 }.map(\.0).reduce(0, +)
            #expect(Int64(spent) * 100 == 100_00 - log.cashCents)
            // Every refused order really did not fit the cash left when it ran; at least the smallest must not fit at the end.
            let refusedSizes = zip(sizes, replies).filter { $0.1.status == 422 }.map(\.0)
            if let smallest = refusedSizes.min() { #expect(Int64(smallest) * 100 > log.cashCents) }
        }
    }


    struct PlannedOrder: Sendable {
        let user: Int
        let side: String
        let symbol: String
        let quantity: Int
    }

    @Test(arguments: [UInt64(1), 42])
    func randomParallelOrdersFromFourUsersReconcileExactly(seed: UInt64) async throws {
        try await TradeHarness.with(.init(initialCash: "1000.00")) { trade in
            let symbols = ["AAA", "BBB", "CCC"]
            let prices = ["0.125", "2.675", "10.00", "33.3333", "7.005", "0.0001", "99.99"]
            for symbol in symbols { trade.setPrice(symbol, "10.00") }
            var tokens: [String] = []
            for user in 1...4 { tokens.append(try await trade.token(Int64(user))) }
            let userTokens = tokens
            var random = SeededGenerator(state: seed)
            let plan = (0..<200).map { _ in
                PlannedOrder(user: Int.random(in: 0..<4, using: &random),
                             side: Bool.random(using: &random) ? "buy" : "sell",
                             symbol: symbols.randomElement(using: &random)!,
                             quantity: Int.random(in: 1...30, using: &random))
            }
            let priceMoves = (0..<200).map { _ in (symbols.randomElement(using: &random)!, prices.randomElement(using: &random)!) }
            let replies = try await TradeParallel.run(count: plan.count, width: 16) { index in
                // Prices move while orders run; each order records the price it executed at.
                trade.setPrice(priceMoves[index].0, priceMoves[index].1)
                let order = plan[index]
                return try await trade.order(order.side, order.symbol, order.quantity, token: userTokens[order.user])
            }
            for (order, reply) in zip(plan, replies) {
                let expected = order.side == "buy" ? "/problems/insufficient-funds" : "/problems/insufficient-shares"
                // At 0.0001 a total under half a cent rounds to 0.00: too small to execute.
                #expect(reply.status == 201 || reply.isTradeProblem(422, expected)
                        || reply.isTradeProblem(422, "/problems/order-too-small"), "\(order): \(reply.status) \(reply.text)")
            }
            var allIDs: [Int64] = []
            for user in 0..<4 {
                let log = try await trade.checker.check(token: userTokens[user])
                #expect(log.problems.isEmpty, "user \(user + 1): \(log)")
                let executed = zip(plan, replies).filter { $0.0.user == user && $0.1.status == 201 }
                    .compactMap { $0.1.transaction }
                #expect(Set(log.transactions) == Set(executed), "user \(user + 1): the log is exactly the 201s")
                #expect(log.transactions.count == executed.count)
                allIDs += log.transactions.map(\.id)
            }
            #expect(Set(allIDs).count == allIDs.count, "ids are unique across users")
            #expect(allIDs.count == replies.filter { $0.status == 201 }.count)
            #expect(allIDs.count > 20, "the plan should execute a fair share of its orders")
        }
    }
}
