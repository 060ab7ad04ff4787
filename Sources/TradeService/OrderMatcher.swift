import Foundation
import Logging
import Money
import Synchronization

/// Where the matcher reads current prices: the stock service in the process, a seeded market or a
/// hand-set table in tests.
protocol PriceSource: Sendable {
    /// The current price of an already-normalized symbol, or nil when none can be had now.
    func currentPrice(_ symbol: String) async -> Price?
}

extension StockPriceClient: PriceSource {
    func currentPrice(_ symbol: String) async -> Price? {
        if case .success(let price) = await price(symbol, requestID: "matcher") { return price }
        return nil
    }
}

/// Watches the prices of symbols with open orders and fills what crossed (issue 26). Each tick
/// prices at most ``TradeLimits/matchSymbolsPerTickMax`` symbols, one lookup per symbol shared by
/// all its orders (in live mode that is what keeps within the provider budget: the stock service
/// answers a repeat from its cache), then hands the prices to the ledger's writer, which fills at
/// most ``TradeLimits/matchOrdersPerTickMax`` orders in one transaction
/// (``OrderMatching``). A fill and its cash, shares, fee, state and event commit together, so
/// across a crash an order is filled exactly once or not at all.
final class OrderMatcher: Sendable {
    private let ledger: Ledger
    private let prices: any PriceSource
    private let ordersPerTickMax: Int
    private let symbolsPerTickMax: Int
    /// The last symbol priced: the next tick starts after it, so every symbol gets its turn.
    private let cursor = Mutex("")

    init(ledger: Ledger, prices: any PriceSource, symbolsPerTickMax: Int = TradeLimits.matchSymbolsPerTickMax,
         ordersPerTickMax: Int = TradeLimits.matchOrdersPerTickMax) {
        self.ledger = ledger
        self.prices = prices
        self.symbolsPerTickMax = symbolsPerTickMax
        self.ordersPerTickMax = ordersPerTickMax
    }

    /// One pass: expire due day orders, price the next symbols, fill what crossed.
    func tick() async throws -> MatchReport {
        let after = cursor.withLock { $0 }
        var symbols = try await ledger.openSymbols(after: after, limit: symbolsPerTickMax)
        if symbols.count < symbolsPerTickMax && !after.isEmpty {
            // Wrapped around: the first names again, without repeating this tick's.
            let wrapped = try await ledger.openSymbols(after: "", limit: symbolsPerTickMax - symbols.count)
            symbols += wrapped.filter { $0 <= after }
        }
        cursor.withLock { $0 = symbols.count < symbolsPerTickMax ? "" : (symbols.last ?? "") }
        let priced = await withTaskGroup(of: (String, Price?).self) { group in
            for symbol in symbols { group.addTask { (symbol, await self.prices.currentPrice(symbol)) } }
            var priced: [(symbol: String, price: Price)] = []
            for await (symbol, price) in group { if let price { priced.append((symbol, price)) } }
            return priced.sorted { $0.symbol < $1.symbol }
        }
        return try await ledger.match(MatchPlan(prices: priced, ordersMax: ordersPerTickMax)).get()
    }

    /// Ticks every `interval` until cancelled; a failed tick is logged and the next one tries again.
    func run(every interval: Duration, logger: Logger) async {
        while !Task.isCancelled {
            let start = ContinuousClock.now
            do {
                let report = try await tick()
                if report.filled + report.expired + report.rejected > 0 {
                    logger.debug("matched", metadata: ["filled": "\(report.filled)", "expired": "\(report.expired)",
                                                        "rejected": "\(report.rejected)"])
                }
            } catch {
                logger.warning("matcher tick failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(until: start + interval, clock: .continuous)
        }
    }
}
