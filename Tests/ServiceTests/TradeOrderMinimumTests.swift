import Foundation
import Money
import TestSupport
import Testing

/// An order whose total rounds to 0.00 does not execute (issue 22, item 12): at a price of 0.0050
/// or less one share would cost nothing (half-even: 0.0050 → 0.00), and shares bought free could be
/// sold later for cash. The rule: 422 `/problems/order-too-small`, buys and sells alike; the
/// smallest total that executes is 0.01.
@Suite struct TradeOrderMinimumTests {
    /// `(price, quantity, exact total, why)`, computed by hand: the boundary on both sides.
    static let totals: [(String, Int64, String, String)] = [
        ("0.0050", 1, "0.00", "a tie rounds to the even 0"),
        ("0.0051", 1, "0.01", "just over half a cent"),
        ("0.0049", 1, "0.00", "under half a cent"),
        ("0.0001", 50, "0.00", "50 × 0.0001 = 0.0050, a tie"),
        ("0.0001", 51, "0.01", "51 × 0.0001 = 0.0051"),
        ("0.0050", 2, "0.01", "2 × 0.0050 = 0.0100"),
        ("0.0150", 1, "0.02", "a tie rounds to the even 2"),
    ]

    @Test(arguments: totals)
    func totalsRoundHalfEvenToTheCent(_ price: String, _ quantity: Int64, _ total: String, _ why: String) throws {
        let parsed = try #require(Price(parsing: price))
        #expect(try parsed.total(quantity: quantity).description == total, "\(why)")
    }

    @Test func anOrderWhoseTotalRoundsToZeroIs422AndChangesNothing() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(41)
            trade.setPrice("PENNY", "0.0050")
            let before = try await TradeSnapshot.take(trade.client, token: token)
            for key in [nil, "too-small-1"] {
                let free = try await trade.order("buy", "PENNY", 1, token: token, key: key)
                #expect(free.isTradeProblem(422, "/problems/order-too-small"), "\(free.status) \(free.text)")
            }
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before, "no free share")

            // The same key once the order is big enough: the refusal was not remembered.
            let two = try await trade.order("buy", "PENNY", 2, token: token, key: "too-small-2")
            #expect(two.status == 201, "\(two.text)")
            #expect(two.string("total") == "0.01" && two.string("cash_after") == "9999.99", "\(two.text)")

            // API.md's order of checks: a symbol never held is insufficient-shares whatever its price.
            trade.setPrice("DIME", "0.0010")
            let neverHeld = try await trade.order("sell", "DIME", 1, token: token)
            #expect(neverHeld.isTradeProblem(422, "/problems/insufficient-shares"), "\(neverHeld.status) \(neverHeld.text)")

            // Selling: one share would give it away for 0.00; two fetch 0.01.
            let giveAway = try await trade.order("sell", "PENNY", 1, token: token)
            #expect(giveAway.isTradeProblem(422, "/problems/order-too-small"), "\(giveAway.status) \(giveAway.text)")
            trade.setPrice("PENNY", "0.0051")
            let one = try await trade.order("sell", "PENNY", 1, token: token)
            #expect(one.status == 201 && one.string("total") == "0.01", "\(one.text)")
            trade.setPrice("PENNY", "0.0001")
            #expect(try await trade.order("sell", "PENNY", 1, token: token).isTradeProblem(422, "/problems/order-too-small"))

            let report = try await trade.checker.check(token: token)
            #expect(report.problems.isEmpty, "\(report.problems)")
            #expect(report.transactions.count == 2)
            #expect(report.cashCents == 1_000_000, "paid 0.01, got 0.01 back")
        }
    }
}
