import Money

/// One executed order as a 201 (or a transaction item) told it: what verification replays.
public struct OrderRecord: Sendable, Equatable {
    public enum Side: String, Sendable {
        case buy, sell
    }

    public var id: Int64
    public var side: Side
    public var symbol: String
    public var quantity: Int64
    public var price: Price
    /// `price × quantity`, half-even to the cent.
    public var total: Cents
    /// Issue 26's fee (zero when the response has none): paid on top of a buy, out of a sell's proceeds.
    public var fee: Cents
    public var cashAfter: Cents

    public init(id: Int64, side: Side, symbol: String, quantity: Int64, price: Price, total: Cents, fee: Cents,
                cashAfter: Cents) {
        self.id = id
        self.side = side
        self.symbol = symbol
        self.quantity = quantity
        self.price = price
        self.total = total
        self.fee = fee
        self.cashAfter = cashAfter
    }

    /// `#12 buy 3 AAPL at 212.04 total 636.12 fee 0.00`.
    public var summary: String {
        "#\(id) \(side.rawValue) \(quantity) \(symbol) at \(price) total \(total) fee \(fee)"
    }
}
