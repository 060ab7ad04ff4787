import Foundation
import Money
import Routing

/// A buy or sell as the API shows it, in orders and in the transaction history alike. Money and
/// prices are `Cents` and `Price`, which encode themselves as Money formats them (`"696.48"`).
struct TransactionBody: Encodable, Equatable {
    let id: Int64
    let side: String
    let symbol: String
    let quantity: Int64
    let price: Price
    let total: Cents
    /// The commission (``FeeSchedule``); `total` stays `price × quantity` and `cash_after` pays both.
    let fee: Cents
    let cash_after: Cents
    let executed_at: String

    /// The exact bytes an order answers with, stored for idempotent replays.
    func jsonBytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}

struct TransactionsPage: Encodable {
    let transactions: [TransactionBody]
    let next: Int64?

    enum CodingKeys: String, CodingKey { case transactions, next }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(transactions, forKey: .transactions)
        try container.encode(next, forKey: .next)  // `null`, not absent, on the last page
    }
}

struct AccountBody: Encodable {
    let cash: Cents
    /// Cash held by open buys, fees included.
    let reserved: Cents
    /// `cash − reserved`: what a new order may spend.
    let buying_power: Cents
    let currency: String
    let holdings_value: Cents
    let total_value: Cents
    let prices_stale: Bool?
}

struct HoldingBody: Encodable {
    let symbol: String
    let quantity: Int64
    let avg_cost: AverageCost
    let cost_basis: Cents
    let price: Price
    let market_value: Cents
    let unrealized_pl: Cents
}

struct PortfolioBody: Encodable {
    let holdings: [HoldingBody]
    let cash: Cents
    let total_value: Cents
    let prices_stale: Bool?
}

/// A holding's average cost: a `Price` shown with exactly four decimals (API.md), by Money's formatter.
struct AverageCost: Encodable, Equatable {
    let price: Price

    init(_ price: Price) {
        self.price = price
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(price.description(minimumFractionDigits: Price.scale))
    }
}

