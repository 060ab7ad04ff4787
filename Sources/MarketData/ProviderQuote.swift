import Money

/// A quote as the provider reported it (`GLOBAL_QUOTE`).
public struct ProviderQuote: Sendable, Equatable {
    /// The symbol as the provider spells it (`01. symbol`).
    public let symbol: String
    /// The latest price (`05. price`), parsed exactly from its decimal string.
    public let price: Price
    /// The trading day the price belongs to (`07. latest trading day`), `YYYY-MM-DD`.
    public let latestTradingDay: String

    /// Creates a quote; the parser validates its inputs, this initializer does not.
    public init(symbol: String, price: Price, latestTradingDay: String) {
        self.symbol = symbol
        self.price = price
        self.latestTradingDay = latestTradingDay
    }
}
