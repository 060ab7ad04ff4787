import Foundation
import MarketData
import Routing

/// The offline market (no `API_KEY`): prices from `SimulatedMarket`'s seeded random walk at the
/// current time; no I/O at all.
struct SimulatedSource: MarketSource {
    let market: SimulatedMarket
    let now: @Sendable () -> Date

    func listing() async -> [ListedQuote] {
        let at = now()
        return market.symbols.compactMap { listing in
            market.quote(symbol: listing.symbol, at: at).map {
                ListedQuote(symbol: listing.symbol, name: listing.name, price: $0, asOf: at)
            }
        }
    }

    func quote(_ symbol: String) async throws -> Quote {
        let at = now()
        guard let price = market.quote(symbol: symbol, at: at) else { throw StockErrors.unknownSymbol(symbol) }
        return Quote(symbol: symbol, price: price, asOf: at, source: .simulated)
    }

    func history(_ symbol: String, days: Int) async throws -> [DailyClose] {
        guard let closes = market.history(symbol: symbol, days: days, at: now()) else {
            throw StockErrors.unknownSymbol(symbol)
        }
        return closes
    }
}

/// The stock service's problems.
enum StockErrors {
    static func unknownSymbol(_ symbol: String) -> HTTPError {
        HTTPError(404, type: "/problems/unknown-symbol", title: "Unknown symbol", detail: "No stock has the symbol \(symbol).")
    }

    static func unavailable(_ detail: String, retryAfterSeconds: Int) -> HTTPError {
        HTTPError(503, type: "/problems/quote-unavailable", title: "Quote unavailable", detail: detail,
                  headers: ["Retry-After": String(retryAfterSeconds)])
    }
}
