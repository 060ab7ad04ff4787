import Foundation
import TestSupport
import Testing

/// Exact money in orders and holdings (API.md "Conventions" and "Trade"): `total` is
/// `price × quantity` half-even to the cent; holdings use the average-cost method in exact cents.
/// Prices come from `FakeProvider` through the live stock service with a zero quote TTL.
@Suite struct TradeServiceTests {
    // MARK: - Order totals

    struct TotalRow: Sendable, CustomTestStringConvertible {
        let price: String
        let quantity: Int
        let total: String
        let cashAfter: String
        let why: String
        var testDescription: String { "\(price) × \(quantity) → \(total): \(why)" }
    }

    static let totals: [TotalRow] = [
        .init(price: "0.1250", quantity: 1, total: "0.12", cashAfter: "9999.88", why: "12.5 cents is a tie: down to the even cent"),
        .init(price: "0.1350", quantity: 1, total: "0.14", cashAfter: "9999.86", why: "13.5 cents is a tie: up to the even cent"),
        .init(price: "1.0050", quantity: 1, total: "1.00", cashAfter: "9999.00", why: "100.5 cents: the even cent is 100"),
        .init(price: "2.6750", quantity: 1, total: "2.68", cashAfter: "9997.32", why: "2.675 as a Double is 2.67499…; exact half-even gives 2.68"),
        .init(price: "0.0001", quantity: 1_000_000, total: "100.00", cashAfter: "9900.00", why: "sub-penny price × a million shares is exact"),
        .init(price: "0.0150", quantity: 1, total: "0.02", cashAfter: "9999.98", why: "1.5 cents rounds up to 2"),
        .init(price: "0.0250", quantity: 1, total: "0.02", cashAfter: "9999.98", why: "2.5 cents rounds down to 2"),
        .init(price: "0.0333", quantity: 3, total: "0.10", cashAfter: "9999.90", why: "9.99 cents is not a tie: 10"),
        .init(price: "123.4567", quantity: 3, total: "370.37", cashAfter: "9629.63", why: "370.3701 rounds to 370.37"),
        .init(price: "0.1", quantity: 7, total: "0.70", cashAfter: "9999.30", why: "a one-decimal quote"),
        .init(price: "9999.99", quantity: 1, total: "9999.99", cashAfter: "0.01", why: "nearly all the cash"),
    ]

    @Test(arguments: totals)
    func buyTotalIsPriceTimesQuantityRoundedHalfEven(_ row: TotalRow) async throws {
        try await TradeHarness.with { trade in
            trade.setPrice("TIE", row.price)
            let token = try await trade.token(1)
            let reply = try await trade.order("buy", "tie", row.quantity, token: token)
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.headers["Content-Type"]?.hasPrefix("application/json") == true)
            let order = try #require(reply.transaction, "\(reply.text)")
            #expect(order.side == "buy")
            #expect(order.symbol == "TIE")
            #expect(Int(order.quantity) == row.quantity)
            #expect(TradeDecimal.units(order.price, scale: 4) == TradeDecimal.units(row.price, scale: 4))
            #expect((2...4).contains(TradeDecimal.decimals(order.price)), "price \(order.price)")
            #expect(order.total == row.total)
            #expect(order.cashAfter == row.cashAfter)
            #expect(try await trade.client.get("/trade/account", token: token).string("cash") == row.cashAfter)
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.transactions == [order])
        }
    }

    @Test func sellTotalIsRoundedHalfEvenAndAddedToCash() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("TIE", "1.00")
            #expect(try await trade.order("buy", "TIE", 10, token: token).status == 201)
            trade.setPrice("TIE", "2.6750")
            let sold = try #require(try await trade.order("sell", "TIE", 1, token: token).transaction)
            #expect(sold.side == "sell")
            #expect(sold.total == "2.68")
            #expect(sold.cashAfter == "9992.68")
            trade.setPrice("TIE", "0.1250")
            let second = try #require(try await trade.order("sell", "TIE", 1, token: token).transaction)
            #expect(second.total == "0.12")
            #expect(second.cashAfter == "9992.80")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
        }
    }

    @Test func spendingExactlyAllCashLeavesZeroAndTheNextShareIsInsufficientFunds() async throws {
        try await TradeHarness.with(.init(initialCash: "100.00")) { trade in
            let token = try await trade.token(1)
            trade.setPrice("QTR", "25.00")
            #expect(try await trade.client.get("/trade/account", token: token).string("cash") == "100.00")
            let all = try #require(try await trade.order("buy", "QTR", 4, token: token).transaction)
            #expect(all.total == "100.00")
            #expect(all.cashAfter == "0.00")
            let before = try await TradeSnapshot.take(trade.client, token: token)
            #expect(before.cash == "0.00")
            let more = try await trade.order("buy", "QTR", 1, token: token)
            #expect(more.isTradeProblem(422, "/problems/insufficient-funds"), "\(more.text)")
            let after = try await TradeSnapshot.take(trade.client, token: token)
            #expect(after == before, "a refused order changes nothing")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.cashCents == 0)
        }
    }

    // MARK: - Average cost

    struct Step: Sendable, CustomStringConvertible {
        let side: String
        let quantity: Int
        let price: String
        let total: String
        /// Shares held afterwards; 0 means the holding is gone.
        let held: Int
        let costBasis: String
        let avgCost: String
        let cash: String
        var description: String { "\(side) \(quantity) @ \(price)" }
    }

    struct Scenario: Sendable, CustomTestStringConvertible {
        let name: String
        let steps: [Step]
        var testDescription: String { name }
    }

    static let scenarios: [Scenario] = [
        Scenario(name: "buy 3 at 10.00 and 1 at 11.00, then sell in parts", steps: [
            Step(side: "buy", quantity: 3, price: "10.00", total: "30.00", held: 3, costBasis: "30.00", avgCost: "10.0000", cash: "9970.00"),
            Step(side: "buy", quantity: 1, price: "11.00", total: "11.00", held: 4, costBasis: "41.00", avgCost: "10.2500", cash: "9959.00"),
            // 41.00 × 1/4 = 10.25 removed
            Step(side: "sell", quantity: 1, price: "12.00", total: "12.00", held: 3, costBasis: "30.75", avgCost: "10.2500", cash: "9971.00"),
            // 30.75 × 2/3 = 20.50 removed
            Step(side: "sell", quantity: 2, price: "9.00", total: "18.00", held: 1, costBasis: "10.25", avgCost: "10.2500", cash: "9989.00"),
            Step(side: "sell", quantity: 1, price: "9.00", total: "9.00", held: 0, costBasis: "", avgCost: "", cash: "9998.00"),
        ]),
        Scenario(name: "half of 5 cents is a tie: 2 cents removed", steps: [
            Step(side: "buy", quantity: 2, price: "0.0250", total: "0.05", held: 2, costBasis: "0.05", avgCost: "0.0250", cash: "9999.95"),
            Step(side: "sell", quantity: 1, price: "0.0250", total: "0.02", held: 1, costBasis: "0.03", avgCost: "0.0300", cash: "9999.97"),
        ]),
        Scenario(name: "half of 7 cents is a tie: 4 cents removed", steps: [
            Step(side: "buy", quantity: 2, price: "0.0350", total: "0.07", held: 2, costBasis: "0.07", avgCost: "0.0350", cash: "9999.93"),
            Step(side: "sell", quantity: 1, price: "0.0350", total: "0.04", held: 1, costBasis: "0.03", avgCost: "0.0300", cash: "9999.97"),
        ]),
        Scenario(name: "buy 3 at 0.01, sell 1: a third of 3 cents", steps: [
            Step(side: "buy", quantity: 3, price: "0.01", total: "0.03", held: 3, costBasis: "0.03", avgCost: "0.0100", cash: "9999.97"),
            Step(side: "sell", quantity: 1, price: "0.01", total: "0.01", held: 2, costBasis: "0.02", avgCost: "0.0100", cash: "9999.98"),
        ]),
        Scenario(name: "a basis of 1 cent over 3 shares", steps: [
            // 3 × 0.0033 = 0.0099 → 0.01; avg 0.01/3 = 0.00333… → 0.0033
            Step(side: "buy", quantity: 3, price: "0.0033", total: "0.01", held: 3, costBasis: "0.01", avgCost: "0.0033", cash: "9999.99"),
            // 1 × 1/3 cent rounds to 0 removed. (The sales are at 0.01: one share at 0.0033 would
            // total 0.00, which is 422 order-too-small, TradeOrderMinimumTests.)
            Step(side: "sell", quantity: 1, price: "0.0100", total: "0.01", held: 2, costBasis: "0.01", avgCost: "0.0050", cash: "10000.00"),
            // half a cent is a tie: 0 removed
            Step(side: "sell", quantity: 1, price: "0.0100", total: "0.01", held: 1, costBasis: "0.01", avgCost: "0.0100", cash: "10000.01"),
            Step(side: "sell", quantity: 1, price: "0.0100", total: "0.01", held: 0, costBasis: "", avgCost: "", cash: "10000.02"),
        ]),
        Scenario(name: "avg_cost rounds half-even to 4 decimals", steps: [
            // 8 × 0.0012 = 0.0096 → 0.01; 0.01 / 8 = 0.00125 → 0.0012 (tie, even); 0.03 / 16 = 0.001875 → 0.0019
            Step(side: "buy", quantity: 8, price: "0.0012", total: "0.01", held: 8, costBasis: "0.01", avgCost: "0.0012", cash: "9999.99"),
            Step(side: "buy", quantity: 8, price: "0.0025", total: "0.02", held: 16, costBasis: "0.03", avgCost: "0.0019", cash: "9999.97"),
        ]),
    ]

    @Test(arguments: scenarios)
    func holdingsFollowTheAverageCostMethodInExactCents(_ scenario: Scenario) async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            for step in scenario.steps {
                trade.setPrice("AVG", step.price)
                let reply = try await trade.order(step.side, "AVG", step.quantity, token: token)
                let order = try #require(reply.transaction, "\(step): \(reply.text)")
                #expect(reply.status == 201, "\(step)")
                #expect(order.total == step.total, "\(step)")
                #expect(order.cashAfter == step.cash, "\(step)")
                let portfolio = try await trade.client.get("/trade/portfolio", token: token)
                let lines = portfolio.json["holdings"] as? [[String: Any]] ?? []
                #expect(portfolio.string("cash") == step.cash, "\(step)")
                if step.held == 0 {
                    #expect(portfolio.status == 200 && lines.isEmpty, "\(step): a fully sold holding disappears: \(portfolio.text)")
                } else {
                    let line = try #require(lines.first, "\(step): \(portfolio.text)")
                    #expect(lines.count == 1)
                    #expect(line["symbol"] as? String == "AVG")
                    #expect(TradeTransaction.integer(line["quantity"]) == Int64(step.held), "\(step)")
                    #expect(line["cost_basis"] as? String == step.costBasis, "\(step)")
                    #expect(line["avg_cost"] as? String == step.avgCost, "\(step)")
                }
            }
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
        }
    }

    // MARK: - Valuation

    @Test func marketValueUnrealizedPLAndTotalsAreExactAtTheNewPrice() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAA", "10.25")
            trade.setPrice("BBB", "0.1250")
            #expect(try await trade.order("buy", "AAA", 3, token: token).transaction?.total == "30.75")
            #expect(try await trade.order("buy", "BBB", 2, token: token).transaction?.total == "0.25")
            struct Row {
                let aaa: String, bbb: String
                let aaaValue: String, aaaPL: String, bbbValue: String, bbbPL: String
                let holdings: String, total: String
            }
            let rows = [
                // 3 × 12.345 = 37.035 → 37.04 (tie, even); 2 × 0.1375 = 0.275 → 0.28 (tie, even)
                Row(aaa: "12.345", bbb: "0.1375", aaaValue: "37.04", aaaPL: "6.29", bbbValue: "0.28", bbbPL: "0.03",
                    holdings: "37.32", total: "10006.32"),
                // 3 × 9.00 = 27.00; 2 × 0.1125 = 0.225 → 0.22 (tie, even): losses are negative
                Row(aaa: "9.00", bbb: "0.1125", aaaValue: "27.00", aaaPL: "-3.75", bbbValue: "0.22", bbbPL: "-0.03",
                    holdings: "27.22", total: "9996.22"),
                Row(aaa: "10.25", bbb: "0.1250", aaaValue: "30.75", aaaPL: "0.00", bbbValue: "0.25", bbbPL: "0.00",
                    holdings: "31.00", total: "10000.00"),
            ]
            for row in rows {
                trade.setPrice("AAA", row.aaa)
                trade.setPrice("BBB", row.bbb)
                let portfolio = try await trade.client.get("/trade/portfolio", token: token)
                #expect(portfolio.status == 200)
                #expect(portfolio.json["prices_stale"] == nil, "prices are fresh: \(portfolio.text)")
                let lines = Dictionary(uniqueKeysWithValues: (portfolio.json["holdings"] as? [[String: Any]] ?? [])
                    .map { ($0["symbol"] as? String ?? "?", $0) })
                #expect(TradeDecimal.units(lines["AAA"]?["price"] as? String ?? "", scale: 4) == TradeDecimal.units(row.aaa, scale: 4))
                #expect(lines["AAA"]?["market_value"] as? String == row.aaaValue, "AAA at \(row.aaa)")
                #expect(lines["AAA"]?["unrealized_pl"] as? String == row.aaaPL, "AAA at \(row.aaa)")
                #expect(lines["AAA"]?["cost_basis"] as? String == "30.75")
                #expect(lines["AAA"]?["avg_cost"] as? String == "10.2500")
                #expect(lines["BBB"]?["market_value"] as? String == row.bbbValue, "BBB at \(row.bbb)")
                #expect(lines["BBB"]?["unrealized_pl"] as? String == row.bbbPL, "BBB at \(row.bbb)")
                #expect(lines["BBB"]?["avg_cost"] as? String == "0.1250")
                #expect(portfolio.string("cash") == "9969.00")
                #expect(portfolio.string("total_value") == row.total)
                let account = try await trade.client.get("/trade/account", token: token)
                #expect(account.string("cash") == "9969.00")
                #expect(account.string("currency") == "USD")
                #expect(account.string("holdings_value") == row.holdings, "at \(row.aaa) and \(row.bbb)")
                #expect(account.string("total_value") == row.total, "at \(row.aaa) and \(row.bbb)")
                let log = try await trade.checker.check(token: token)
                #expect(log.problems.isEmpty, "\(log)")
            }
        }
    }

    @Test func aNewAccountHasTheInitialCashAndNothingElse() async throws {
        try await TradeHarness.with(.init(initialCash: "1234.5")) { trade in
            let token = try await trade.token(7)
            let account = try await trade.client.get("/trade/account", token: token)
            #expect(account.status == 200)
            #expect(account.string("cash") == "1234.50")
            #expect(account.string("holdings_value") == "0.00")
            #expect(account.string("total_value") == "1234.50")
            #expect(account.string("currency") == "USD")
            let portfolio = try await trade.client.get("/trade/portfolio", token: token)
            #expect(portfolio.status == 200)
            #expect((portfolio.json["holdings"] as? [Any])?.isEmpty == true)
            #expect(portfolio.string("total_value") == "1234.50")
            let history = try await trade.client.get("/trade/transactions", token: token)
            #expect(history.status == 200)
            #expect(history.text.contains(#""next":null"#), "\(history.text)")
            #expect((history.json["transactions"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func whenTheStockServiceIsDownHoldingsAreValuedAtTheLastPriceSeenAndMarkedStale() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAA", "10.00")
            #expect(try await trade.order("buy", "AAA", 2, token: token).status == 201)
            trade.setPrice("AAA", "12.50")
            #expect(try await trade.client.get("/trade/portfolio", token: token).json["prices_stale"] == nil)
            await trade.stock?.shutdown()
            let portfolio = try await trade.client.get("/trade/portfolio", token: token)
            #expect(portfolio.status == 200, "\(portfolio.text)")
            #expect(portfolio.json["prices_stale"] as? Bool == true, "\(portfolio.text)")
            let line = (portfolio.json["holdings"] as? [[String: Any]])?.first
            #expect(line?["market_value"] as? String == "25.00", "valued at the last price seen, 12.50")
            let account = try await trade.client.get("/trade/account", token: token)
            #expect(account.json["prices_stale"] as? Bool == true)
            #expect(account.string("holdings_value") == "25.00")
            #expect(account.string("total_value") == "10005.00")
        }
    }
}
