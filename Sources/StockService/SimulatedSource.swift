import Foundation
import MarketData

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
        guard let price = market.quote(symbol: symbol, at: at) else { throw StockRejection.unknownSymbol(symbol) }
        return Quote(symbol: symbol, price: price, asOf: at, source: .simulated)
    }

    func history(_ symbol: String, days: Int) async throws -> [DailyClose] {
        guard let closes = market.history(symbol: symbol, days: days, at: now()) else {
            throw StockRejection.unknownSymbol(symbol)
        }
        return closes
    }
}

