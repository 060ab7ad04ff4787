import Foundation
import Logging
import MarketData
import Metrics
import Money
import Synchronization

/// Quotes from the provider (`API_KEY` set), behind the SQLite cache:
/// - a quote younger than the TTL is served from memory without a provider call (`cache`);
/// - otherwise one provider call per symbol at a time, shared by every concurrent request;
/// - when the provider fails (down, slow, 5xx, garbage, rate-limited), the stored quote is served
///   with its original `as_of` (`cache`), else 503; an unknown symbol is 404;
/// - a symbol the provider did not know is remembered for the TTL (``UnknownSymbols``, one per
///   function: a quote and a series are asked for apart): 404 again with no call;
/// - every call must fit the ``ProviderBudget``; past it the stored quote or history is served as
///   when the provider fails, else 503 with `Retry-After` (the seconds until the budget frees).
final class LiveSource: MarketSource {
    /// Why a shared fetch gave nothing new.
    enum FetchFailure: Error, Equatable {
        case provider(ProviderError)
        /// The budget had no room; no call was made.
        case overBudget(retryAfterSeconds: Int)
    }

    private let client: AlphaVantageClient
    private let store: QuoteStore
    private let ttl: TimeInterval
    private let tracked: [String]
    private let names: [String: String]
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// Mirrors the `quotes` table so the cached path touches no disk and no other thread.
    private let quotes: Mutex<[String: QuoteStore.StoredQuote]>
    private let quoteFlights = SingleFlight<Result<QuoteStore.StoredQuote, FetchFailure>>()
    private let historyFlights = SingleFlight<Result<[DailyClose], FetchFailure>>()
    private let budget: ProviderBudget
    /// Symbols `GLOBAL_QUOTE` did not know, and those `TIME_SERIES_DAILY` did not know.
    private let unknownQuotes: UnknownSymbols
    private let unknownHistories: UnknownSymbols

    init(client: AlphaVantageClient, store: QuoteStore, config: StockConfig, names: [String: String],
         logger: Logger, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.client = client
        self.store = store
        self.ttl = TimeInterval(config.quoteTTLSeconds)
        self.tracked = config.trackedSymbols
        budget = ProviderBudget(perMinute: config.providerCallsPerMinute, perDay: config.providerCallsPerDay, now: now)
        unknownQuotes = UnknownSymbols(entriesMax: config.unknownSymbolsMax, ttlSeconds: ttl)
        unknownHistories = UnknownSymbols(entriesMax: config.unknownSymbolsMax, ttlSeconds: ttl)
        self.names = names
        self.logger = logger
        self.now = now
        quotes = Mutex(try store.allQuotes())
    }

    func listing() async -> [ListedQuote] {
        let stored = quotes.withLock { $0 }
        return tracked.compactMap { symbol in
            stored[symbol].map {
                ListedQuote(symbol: symbol, name: names[symbol] ?? symbol, price: $0.price, asOf: $0.fetchedAt)
            }
        }
    }

    func quote(_ symbol: String) async throws -> Quote {
        let stored = quotes.withLock { $0[symbol] }
        if let stored, now().timeIntervalSince(stored.fetchedAt) < ttl {
            StockMetrics.cache.hit.increment()
            return Quote(symbol: symbol, price: stored.price, asOf: stored.fetchedAt, source: .cache)
        }
        // Even with a stored quote: a symbol the provider has stopped knowing must not cost a call
        // per request (each would spend the budget every other symbol needs).
        if unknownQuotes.contains(symbol, now: now()) {
            StockMetrics.cache.unknown.increment()
            throw StockRejection.unknownSymbol(symbol)
        }
        StockMetrics.cache.miss.increment()
        switch await sharedQuoteFetch(symbol) {
        case .success(let fresh):
            return Quote(symbol: symbol, price: fresh.price, asOf: fresh.fetchedAt, source: .live)
        case .failure(.provider(.unknownSymbol)):
            throw StockRejection.unknownSymbol(symbol)
        case .failure(let error):
            if let stored {
                StockMetrics.cache.stale.increment()
                return Quote(symbol: symbol, price: stored.price, asOf: stored.fetchedAt, source: .cache)
            }
            throw Self.unavailable(error)
        }
    }

    func history(_ symbol: String, days: Int) async throws -> [DailyClose] {
        // The negative cache first: it answers a flood of invented symbols from memory.
        if unknownHistories.contains(symbol, now: now()) {
            StockMetrics.cache.unknown.increment()
            throw StockRejection.unknownSymbol(symbol)
        }
        if let fetchedAt = try await store.historyFetchedAt(symbol), now().timeIntervalSince(fetchedAt) < ttl {
            return try await store.closes(symbol, days: days)
        }
        switch await sharedHistoryFetch(symbol) {
        case .success(let closes):
            return Array(closes.suffix(days))
        case .failure(.provider(.unknownSymbol)):
            throw StockRejection.unknownSymbol(symbol)
        case .failure(let error):
            let stored = try await store.closes(symbol, days: days)
            guard stored.isEmpty else { return stored }
            throw Self.unavailable(error)
        }
    }

    // MARK: - One provider call per symbol at a time

    private func sharedQuoteFetch(_ symbol: String) async -> Result<QuoteStore.StoredQuote, FetchFailure> {
        await quoteFlights.run(symbol) { await self.fetchQuote(symbol) }
    }

    private func fetchQuote(_ symbol: String) async -> Result<QuoteStore.StoredQuote, FetchFailure> {
        if let refusal = reserveCall() { return .failure(refusal) }
        let result = await StockMetrics.measure(function: "GLOBAL_QUOTE") { () async throws(ProviderError) in
            try await self.client.quote(symbol: symbol)
        }
        switch result {
        case .success(let providerQuote):
            let fresh = QuoteStore.StoredQuote(price: providerQuote.price, fetchedAt: now())
            quotes.withLock { $0[symbol] = fresh }
            unknownQuotes.remove(symbol)
            do {
                try await store.saveQuote(symbol, fresh)
            } catch {
                logger.error("cannot store quote", metadata: ["symbol": "\(symbol)", "error": "\(error)"])
            }
            return .success(fresh)
        case .failure(let error):
            noteFailure(error, symbol: symbol, in: unknownQuotes)
            return .failure(.provider(error))
        }
    }

    private func sharedHistoryFetch(_ symbol: String) async -> Result<[DailyClose], FetchFailure> {
        await historyFlights.run(symbol) { await self.fetchHistory(symbol) }
    }

    private func fetchHistory(_ symbol: String) async -> Result<[DailyClose], FetchFailure> {
        if let refusal = reserveCall() { return .failure(refusal) }
        let result = await StockMetrics.measure(function: "TIME_SERIES_DAILY") { () async throws(ProviderError) in
            try await self.client.dailyCloses(symbol: symbol)
        }
        switch result {
        case .success(let closes):
            unknownHistories.remove(symbol)
            do {
                try await store.saveCloses(symbol, closes, fetchedAt: now())
            } catch {
                logger.error("cannot store history", metadata: ["symbol": "\(symbol)", "error": "\(error)"])
            }
            return .success(closes)
        case .failure(let error):
            noteFailure(error, symbol: symbol, in: unknownHistories)
            return .failure(.provider(error))
        }
    }

    /// Counts a provider call against the budget, or says why it may not be made.
    private func reserveCall() -> FetchFailure? {
        switch budget.reserve() {
        case .granted:
            return nil
        case .exhausted(let seconds):
            StockMetrics.overBudget.increment()
            return .overBudget(retryAfterSeconds: seconds)
        }
    }

    /// Remembers an unknown symbol in `unknown`; logs any other failure.
    private func noteFailure(_ error: ProviderError, symbol: String, in unknown: UnknownSymbols) {
        guard error != .unknownSymbol else {
            unknown.insert(symbol, now: now())
            return
        }
        logger.warning("provider call failed", metadata: ["symbol": "\(symbol)", "error": "\(error)"])
    }

    private static func unavailable(_ failure: FetchFailure) -> StockRejection {
        switch failure {
        case .overBudget(let seconds): .quoteUnavailable(.budgetSpent(retryAfterSeconds: seconds))
        case .provider(.rateLimited): .quoteUnavailable(.providerRateLimited)
        case .provider: .quoteUnavailable(.providerUnavailable)
        }
    }
}
