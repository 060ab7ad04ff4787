import MarketData
import Metrics
import ServiceKit

/// The stock service's own series: provider calls by function and outcome, their latency, and
/// quote-cache hits, misses, stale serves and negative-cache hits, and calls the budget refused.
enum StockMetrics {
    struct Cache: Sendable {
        let hit = Counter(label: "quote_cache_total", dimensions: [("result", "hit")])
        let miss = Counter(label: "quote_cache_total", dimensions: [("result", "miss")])
        let stale = Counter(label: "quote_cache_total", dimensions: [("result", "stale")])
        /// A symbol the provider did not know, answered 404 from the negative cache.
        let unknown = Counter(label: "quote_cache_total", dimensions: [("result", "unknown")])
    }

    static let cache = Cache()
    /// Provider calls not made because the budget was spent.
    static let overBudget = Counter(label: "provider_budget_exhausted_total")

    /// Runs a provider call, counting `provider_requests_total{function,outcome}` and timing it.
    static func measure<T: Sendable>(function: String, _ call: @Sendable () async throws(ProviderError) -> T) async
        -> Result<T, ProviderError> {
        let start = ContinuousClock.now
        let result: Result<T, ProviderError>
        do {
            result = .success(try await call())
        } catch {
            result = .failure(error)
        }
        ServiceMetrics.timer("provider_request_duration_seconds", [("function", function)])
            .recordInterval(ContinuousClock.now - start)
        let outcome = switch result {
        case .success: "ok"
        case .failure(.unknownSymbol): "unknown_symbol"
        case .failure(.rateLimited): "rate_limited"
        case .failure(.unavailable): "unavailable"
        }
        ServiceMetrics.counter("provider_requests_total", [("function", function), ("outcome", outcome)]).increment()
        return result
    }
}

