import Foundation
import MarketData
import Money

/// Where quotes come from: the simulated market or the provider behind the cache.
protocol MarketSource: Sendable {
    /// `GET /stocks`: never calls the provider.
    func listing() async -> [ListedQuote]
    /// `GET /stocks/{symbol}` for an already normalized symbol.
    func quote(_ symbol: String) async throws -> Quote
    /// The `days` most recent closes, oldest first.
    func history(_ symbol: String, days: Int) async throws -> [DailyClose]
}

/// A quote as the API returns it.
struct Quote: Sendable, Equatable {
    enum Source: String, Sendable {
        case live, cache, simulated
    }

    var symbol: String
    var price: Price
    /// When the price was fetched (live/cache) or computed (simulated).
    var asOf: Date
    var source: Source
}

/// One row of `GET /stocks`.
struct ListedQuote: Sendable, Equatable {
    var symbol: String
    var name: String
    var price: Price
    var asOf: Date
}
