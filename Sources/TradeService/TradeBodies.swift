import Foundation
import HTTP
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

    /// The exact bytes an order answers with, stored for idempotent replays: `JSONEncoder`'s
    /// (sorted keys, slashes unescaped), written by hand (``PlainJSONWriter``) when nothing needs an escape.
    func jsonBytes() throws -> [UInt8] {
        var writer = PlainJSONWriter(capacity: 224)
        write(into: &writer)
        return writer.isPlain ? writer.bytes : try JSONCoding.encode(self)
    }

    /// Its members in `JSONEncoder`'s sorted order.
    func write(into writer: inout PlainJSONWriter) {
        writer.beginObject()
        writer.string("cash_after", cash_after.description)
        writer.string("executed_at", executed_at)
        writer.string("fee", fee.description)
        writer.integer("id", id)
        writer.price("price", price)
        writer.integer("quantity", quantity)
        writer.string("side", side)
        writer.string("symbol", symbol)
        writer.string("total", total.description)
        writer.endObject()
    }
}

extension PlainJSONWriter {
    /// A `Price` as its `Encodable` conformance writes it; a negative one, which that refuses, gives up.
    mutating func price(_ key: StaticString, _ price: Price) {
        guard price.minorUnits >= 0 else { return giveUp() }
        string(key, price.description)
    }
}

struct TransactionsPage: Encodable {
    let transactions: [TransactionBody]
    let next: Int64?

    /// The page as `JSONEncoder` writes it (a history page is up to 100 transactions).
    func response() throws -> HTTPResponse {
        var writer = PlainJSONWriter(capacity: 64 + 224 * transactions.count)
        writer.beginObject()
        if let next { writer.integer("next", next) } else { writer.null("next") }
        writer.beginArray("transactions")
        for transaction in transactions { transaction.write(into: &writer) }
        writer.endArray()
        writer.endObject()
        return writer.isPlain ? HTTPResponse(status: 200, contentType: JSONCoding.contentType, body: writer.bytes)
            : try JSONCoding.response(self)
    }

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

    /// The body as `JSONEncoder` writes it.
    func response() throws -> HTTPResponse {
        var writer = PlainJSONWriter(capacity: 192)
        writer.beginObject()
        writer.string("buying_power", buying_power.description)
        writer.string("cash", cash.description)
        writer.string("currency", currency)
        writer.string("holdings_value", holdings_value.description)
        if let prices_stale { writer.bool("prices_stale", prices_stale) }
        writer.string("reserved", reserved.description)
        writer.string("total_value", total_value.description)
        writer.endObject()
        return writer.isPlain ? HTTPResponse(status: 200, contentType: JSONCoding.contentType, body: writer.bytes)
            : try JSONCoding.response(self)
    }
}

struct HoldingBody: Encodable {
    let symbol: String
    let quantity: Int64
    let avg_cost: AverageCost
    let cost_basis: Cents
    let price: Price
    let market_value: Cents
    let unrealized_pl: Cents

    func write(into writer: inout PlainJSONWriter) {
        writer.beginObject()
        writer.string("avg_cost", avg_cost.text)
        writer.string("cost_basis", cost_basis.description)
        writer.string("market_value", market_value.description)
        writer.price("price", price)
        writer.integer("quantity", quantity)
        writer.string("symbol", symbol)
        writer.string("unrealized_pl", unrealized_pl.description)
        writer.endObject()
    }
}

struct PortfolioBody: Encodable {
    let holdings: [HoldingBody]
    let cash: Cents
    let total_value: Cents
    let prices_stale: Bool?

    /// The body as `JSONEncoder` writes it.
    func response() throws -> HTTPResponse {
        var writer = PlainJSONWriter(capacity: 96 + 192 * holdings.count)
        writer.beginObject()
        writer.string("cash", cash.description)
        writer.beginArray("holdings")
        for holding in holdings { holding.write(into: &writer) }
        writer.endArray()
        if let prices_stale { writer.bool("prices_stale", prices_stale) }
        writer.string("total_value", total_value.description)
        writer.endObject()
        return writer.isPlain ? HTTPResponse(status: 200, contentType: JSONCoding.contentType, body: writer.bytes)
            : try JSONCoding.response(self)
    }
}

/// A holding's average cost: a `Price` shown with exactly four decimals (API.md), by Money's formatter.
struct AverageCost: Encodable, Equatable {
    let price: Price

    init(_ price: Price) {
        self.price = price
    }

    /// Four decimals, as the API shows it.
    var text: String { price.description(minimumFractionDigits: Price.scale) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

