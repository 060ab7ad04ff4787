import Foundation
import HTTP
import Money
import Routing
import Testing
@testable import TradeService

/// The hand-written bodies (``PlainJSONWriter``) answer byte for byte what JSONEncoder with sorted
/// keys wrote before, and fall back to it for anything they do not write themselves.
@Suite struct TradeBodiesTests {
    static func transaction(id: Int64 = 42, side: String = "buy", symbol: String = "BRK.B", quantity: Int64 = 3,
                            price: Int64 = 1_234_567, total: Int64 = 370_370, fee: Int64 = 495,
                            cashAfter: Int64 = 99_629_135, executedAt: String = "2026-12-07T17:00:00.123Z") -> TransactionBody {
        TransactionBody(id: id, side: side, symbol: symbol, quantity: quantity, price: Price(minorUnits: price),
                        total: Cents(minorUnits: total), fee: Cents(minorUnits: fee),
                        cash_after: Cents(minorUnits: cashAfter), executed_at: executedAt)
    }

    /// `(body, why)`: every member's edge (zero, negative cents, large ids, a slash, escapes).
    static let transactions: [(TransactionBody, String)] = [
        (transaction(), "an ordinary buy"),
        (transaction(id: 1 << 40, side: "sell", quantity: 1_000_000, price: 1, total: 0, fee: 0, cashAfter: 0), "zeros, a shard's id"),
        (transaction(id: Int64.max, quantity: Int64.max, total: -5, fee: -1, cashAfter: Int64.min), "extremes, negative cents"),
        (transaction(symbol: "A/B"), "a slash stays unescaped, as .withoutEscapingSlashes writes it"),
        (transaction(symbol: "A\"B"), "a quote: JSONEncoder escapes it"),
        (transaction(symbol: "A\\B\n\u{1}"), "a backslash and control characters: JSONEncoder escapes them"),
        (transaction(symbol: "KÖ€😀"), "non-ASCII: JSONEncoder's own bytes"),
    ]

    @Test("a transaction's bytes are JSONEncoder's", arguments: transactions.indices)
    func transactionBytes(_ index: Int) throws {
        let (body, why) = Self.transactions[index]
        #expect(try body.jsonBytes() == JSONCoding.encode(body), "\(why)")
    }

    @Test("a negative price is refused as JSONEncoder refuses it")
    func negativePrice() {
        #expect(throws: EncodingError.self) { try Self.transaction(price: -1).jsonBytes() }
    }

    @Test("a history page's bytes are JSONEncoder's: empty, last page (null), next page, a body that needs escapes")
    func pageBytes() throws {
        let pages = [TransactionsPage(transactions: [], next: nil),
                     TransactionsPage(transactions: [Self.transaction()], next: nil),
                     TransactionsPage(transactions: Self.transactions.prefix(4).map(\.0), next: 7),
                     TransactionsPage(transactions: Self.transactions.map(\.0), next: 1)]
        for page in pages {
            #expect(try page.response().body == JSONCoding.encode(page))
        }
    }

    @Test("an account's bytes are JSONEncoder's, with and without prices_stale")
    func accountBytes() throws {
        for stale in [nil, true, false] as [Bool?] {
            let body = AccountBody(cash: Cents(minorUnits: 100_000_000_000), reserved: Cents(minorUnits: 12_345),
                                   buying_power: Cents(minorUnits: 99_999_987_655), currency: "USD",
                                   holdings_value: Cents(minorUnits: 0), total_value: Cents(minorUnits: -7), prices_stale: stale)
            let response = try body.response()
            #expect(response.body == (try JSONCoding.encode(body)))
            #expect(response.status == 200)
        }
    }

    @Test("a portfolio's bytes are JSONEncoder's: no holding, several, four-decimal average costs, an escape")
    func portfolioBytes() throws {
        func holding(_ symbol: String, _ quantity: Int64, cost: Int64, price: Int64) -> HoldingBody {
            HoldingBody(symbol: symbol, quantity: quantity, avg_cost: AverageCost(Price(minorUnits: cost * 100 / quantity)),
                        cost_basis: Cents(minorUnits: cost), price: Price(minorUnits: price),
                        market_value: Cents(minorUnits: price * quantity / 100),
                        unrealized_pl: Cents(minorUnits: price * quantity / 100 - cost))
        }
        let lists: [[HoldingBody]] = [[], [holding("KO", 3, cost: 18_001, price: 600_000)],
                                      [holding("AAPL", 7, cost: 1_000_003, price: 1_500_001), holding("BRK.B", 1, cost: 1, price: 1),
                                       holding("ZZ", 1_000_000, cost: 5, price: 0)],
                                      [holding("Q\"", 1, cost: 1, price: 1)]]
        for holdings in lists {
            for stale in [nil, true] as [Bool?] {
                let body = PortfolioBody(holdings: holdings, cash: Cents(minorUnits: 5), total_value: Cents(minorUnits: 6),
                                         prices_stale: stale)
                #expect(try body.response().body == JSONCoding.encode(body))
            }
        }
    }
}
