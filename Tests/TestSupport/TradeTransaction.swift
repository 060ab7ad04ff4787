import Foundation

/// One executed order as the trade API shows it (a 201 body or a `GET /trade/transactions` item).
public struct TradeTransaction: Sendable, Hashable, CustomStringConvertible {
    public let id: Int64
    public let side: String
    public let symbol: String
    public let quantity: Int64
    public let price: String
    public let total: String
    /// The commission (`"0.00"` with the default free schedule).
    public let fee: String
    public let cashAfter: String
    public let executedAt: String

    /// Reads the object's members; `nil` when one is missing or has the wrong JSON type
    /// (`id` and `quantity` must be JSON integers, the amounts strings).
    public init?(json: [String: Any]) {
        guard let id = Self.integer(json["id"]), let quantity = Self.integer(json["quantity"]),
              let side = json["side"] as? String, let symbol = json["symbol"] as? String,
              let price = json["price"] as? String, let total = json["total"] as? String, let fee = json["fee"] as? String,
              let cashAfter = json["cash_after"] as? String, let executedAt = json["executed_at"] as? String,
              json.count == 9
        else { return nil }
        (self.id, self.side, self.symbol, self.quantity) = (id, side, symbol, quantity)
        (self.price, self.total, self.fee, self.cashAfter, self.executedAt) = (price, total, fee, cashAfter, executedAt)
    }

    /// Reads a response body.
    public init?(body: [UInt8]) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return nil }
        self.init(json: object)
    }

    /// A JSON integer (not a string, float or boolean).
    public static func integer(_ value: Any?) -> Int64? {
        // Foundation on Linux: booleans are objCType "c", fractions "d"; integers i, l, q (or unsigned).
        guard let number = value as? NSNumber, "ilqsILQS".contains(String(cString: number.objCType)),
              let parsed = Int64(number.stringValue)
        else { return nil }
        return parsed
    }

    public var description: String {
        "#\(id) \(side) \(quantity) \(symbol) @ \(price) = \(total) fee \(fee) → \(cashAfter) at \(executedAt)"
    }
}
