import Foundation
import Money
import Synchronization

/// Values holdings at current prices (from the stock service), falling back to the last price
/// this service saw when the stock service cannot answer, and saying so (`prices_stale`).
struct Valuation {
    struct Line {
        var holding: Holding
        var price: Price
    }

    var lines: [Line]
    var stale: Bool

    /// Market value of all lines, exact.
    func holdingsValue() throws -> Cents {
        try lines.reduce(Cents.zero) { try $0.adding(try $1.price.total(quantity: $1.holding.quantity)) }
    }
}

/// The last price seen per symbol: loaded from the ledger at start, refreshed by every lookup.
final class LastPrices: Sendable {
    private let prices: Mutex<[String: Price]>

    init(_ initial: [String: Price]) {
        prices = Mutex(initial)
    }

    func remember(_ symbol: String, _ price: Price) {
        prices.withLock { $0[symbol] = price }
    }

    func last(_ symbol: String) -> Price? {
        prices.withLock { $0[symbol] }
    }
}
