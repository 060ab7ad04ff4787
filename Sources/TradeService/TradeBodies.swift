import Foundation
import Money
import Routing

/// A buy or sell as the API shows it, in orders and in the transaction history alike.
struct TransactionBody: Codable, Equatable {
    let id: Int64
    let side: String
    let symbol: String
    let quantity: Int64
    let price: String
    let total: String
    let cash_after: String
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
    let cash: String
    let currency: String
    let holdings_value: String
    let total_value: String
    let prices_stale: Bool?
}

struct HoldingBody: Encodable {
    let symbol: String
    let quantity: Int64
    let avg_cost: String
    let cost_basis: String
    let price: String
    let market_value: String
    let unrealized_pl: String
}

struct PortfolioBody: Encodable {
    let holdings: [HoldingBody]
    let cash: String
    let total_value: String
    let prices_stale: Bool?
}

extension Price {
    /// Exactly four decimals, as `avg_cost` is shown (API.md).
    var fourDecimals: String {
        let units = minorUnits
        let fraction = String(units % 10_000)
        return "\(units / 10_000)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}
