import Money
import Testing
@testable import TradeService

/// Commissions exact to the cent, rounded once, half-even (issue 26), and where they land:
/// `total` stays `price × quantity`, cash pays the fee, a buy's fee joins the cost basis, a sell's
/// comes out of the proceeds.
@Suite struct FeeScheduleTests {
    static func schedule(perOrder: String = "0", perShare: String = "0", bps: Int64 = 0, minimum: String = "0") -> FeeSchedule {
        FeeSchedule(perOrder: Cents(parsing: perOrder)!, perShare: Price(parsing: perShare)!, basisPoints: bps,
                    minimum: Cents(parsing: minimum)!)
    }

    /// `(schedule, quantity, notional, fee, why)`.
    static let rows: [(FeeSchedule, Int64, String, String, String)] = [
        (.zero, 100, "18725.00", "0.00", "free by default"),
        (schedule(perOrder: "4.95"), 1, "10.00", "4.95", "per order"),
        (schedule(perShare: "0.005"), 1, "10.00", "0.00", "0.005 is a tie: half-even keeps 0.00"),
        (schedule(perShare: "0.005"), 3, "10.00", "0.02", "0.015 is a tie: half-even goes up to 0.02"),
        (schedule(perShare: "0.005"), 5, "10.00", "0.02", "0.025 is a tie: half-even goes down to 0.02"),
        (schedule(perShare: "0.0049"), 1, "10.00", "0.00", "0.0049 below half"),
        (schedule(perShare: "0.0051"), 1, "10.00", "0.01", "0.0051 above half"),
        (schedule(bps: 25), 1, "10.00", "0.02", "0.025 is a tie: down to even"),
        (schedule(bps: 25), 1, "30.00", "0.08", "0.075 is a tie: up to even"),
        (schedule(bps: 5), 1, "100.10", "0.05", "0.05005 rounds down to 0.05"),
        (schedule(perOrder: "1.00", perShare: "0.0025", bps: 1), 2, "0.50", "1.01",
         "1.00 + 0.005 + 0.00005 = 1.00505: summed exactly, rounded once (twice would give 1.00)"),
        (schedule(bps: 10, minimum: "1.00"), 10, "187.25", "1.00", "0.18725 raised to the minimum"),
        (schedule(bps: 10, minimum: "1.00"), 1000, "18725.00", "18.72", "18.725 is a tie: down to even, above the minimum"),
        (schedule(minimum: "2.50"), 1, "10.00", "2.50", "a minimum alone is a flat fee"),
    ]

    @Test(arguments: rows.indices)
    func feesRoundOnceHalfEven(_ index: Int) throws {
        let (schedule, quantity, notional, fee, why) = Self.rows[index]
        #expect(try schedule.fee(quantity: quantity, notional: Cents(parsing: notional)!).description == fee, "\(why)")
    }

    @Test func feeIsMonotoneInTheNotional() throws {
        let schedule = Self.schedule(perOrder: "0.99", perShare: "0.0035", bps: 7, minimum: "1.00")
        var last = Cents.zero
        for cents in stride(from: Int64(0), through: 200_000, by: 997) {
            let fee = try schedule.fee(quantity: 37, notional: Cents(minorUnits: cents))
            #expect(fee >= last)
            last = fee
        }
    }

    @Test func buyFeeJoinsTheBasisAndSellFeeLeavesTheProceeds() async throws {
        let fees = Self.schedule(perOrder: "1.00", bps: 10)
        try await OrderEngine(fees: fees).run { engine in
            engine.hand.set("AAPL", "187.25")
            // Buy 10 at 187.25: total 1872.50, fee 1.00 + 1.8725 = 2.8725 → 2.87.
            let trade = try await engine.ledger.execute(Order(userID: 1, side: .buy, symbol: "AAPL", quantity: 10,
                                                              price: Price(parsing: "187.25")!, deadline: .now + .seconds(5))).get()
            #expect(trade.total.description == "1872.50" && trade.fee.description == "2.87" && trade.cash_after.description == "8124.63")
            var books = try await engine.books()
            #expect(books.basis == "1875.37")
            // A limit sell of 4 at 190.00 through the matcher: total 760.00, fee 1.00 + 0.76 = 1.76.
            let sell = try await engine.place(.sell, 4, .limit, limit: "190.00")
            engine.hand.set("AAPL", "190.00")
            #expect(try await engine.matcher.tick().filled == 1)
            let filled = try await engine.order(sell.id)
            #expect(filled.fee?.description == "1.76" && filled.filledPrice == Price(parsing: "190.00"))
            books = try await engine.books()
            // 8124.63 + 760.00 − 1.76; basis 1875.37 × 6/10 = 1125.222 → 1125.22.
            #expect(books.cash == "8882.87" && books.basis == "1125.22" && books.quantity == 6)
            let history = try await engine.ledger.transactions(userID: 1, limit: 10, before: nil).items
            #expect(history.map(\.fee.description) == ["1.76", "2.87"] && history.map(\.total.description) == ["760.00", "1872.50"])
        }
    }

    @Test func aLimitBuyReservesItsFeeToo() async throws {
        try await OrderEngine(cash: "1003.00", fees: Self.schedule(perOrder: "3.00")).run { engine in
            engine.hand.set("AAPL", "120.00")
            _ = try await engine.place(.buy, 10, .limit, limit: "100.00")
            #expect(try await engine.books().reserved == "1003.00")
            await #expect(throws: OrderRejection.insufficientFunds) { try await engine.place(.buy, 1, .limit, limit: "0.01") }
        }
    }
}
