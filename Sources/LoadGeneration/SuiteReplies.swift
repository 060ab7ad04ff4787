import Foundation
import Money

/// The bodies of the suite's answers that a run reads (API.md), decoded with Money's exact types.
enum SuiteReplies {
    struct Listing: Decodable {
        struct Stock: Decodable {
            let symbol: String
            let price: Price
        }
        let stocks: [Stock]
    }

    struct Login: Decodable {
        let access_token: String
        let expires_in: Int
    }

    struct Account: Decodable {
        let cash: Cents
    }

    struct Portfolio: Decodable {
        struct Holding: Decodable {
            let symbol: String
            let quantity: Int64
            let cost_basis: Cents
        }
        let holdings: [Holding]
        let cash: Cents
    }

    /// A buy or sell's 201, and a transaction item (the same shape).
    struct Order: Decodable {
        let id: Int64
        let side: String
        let symbol: String
        let quantity: Int64
        let price: Price
        let total: Cents
        let cash_after: Cents
        /// Issue 26's fee; absent means zero.
        let fee: Cents?
    }

    struct Transactions: Decodable {
        let transactions: [Order]
        let next: Int64?
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) -> T? {
        try? JSONDecoder().decode(type, from: Data(body))
    }
}

extension OrderRecord {
    /// The record of a 201 body; nil when the body is not an order.
    init?(body: [UInt8]) {
        guard let order = SuiteReplies.decode(SuiteReplies.Order.self, body) else { return nil }
        self.init(order)
    }

    init?(_ order: SuiteReplies.Order) {
        guard let side = OrderRecord.Side(rawValue: order.side) else { return nil }
        self.init(id: order.id, side: side, symbol: order.symbol, quantity: order.quantity, price: order.price,
                  total: order.total, fee: order.fee ?? .zero, cashAfter: order.cash_after)
    }
}
