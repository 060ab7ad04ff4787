import HTTP
import Routing
import ServiceKit

/// Why the stock service could not give a quote or a history. Each case is answered as one problem
/// type, in ``StockProblems`` below: the one registry of what stock answers.
enum StockRejection: Error, Equatable, Sendable {
    /// Why no quote could be had.
    enum Unavailability: Equatable, Sendable {
        /// The provider call budget is spent; a call fits again in `retryAfterSeconds`.
        case budgetSpent(retryAfterSeconds: Int)
        /// The provider answered with its rate-limit message.
        case providerRateLimited
        /// The provider is down, slow, or answered garbage.
        case providerUnavailable
    }

    /// A well-formed symbol the market does not know (404).
    case unknownSymbol(String)
    /// No quote from the provider and nothing stored (503 with `Retry-After`).
    case quoteUnavailable(Unavailability)
}

/// Every problem type stock answers of its own; `unknown-symbol` is ``StockSymbol/unknownProblem``.
enum StockProblems {
    static let quoteUnavailable = ProblemType(503, "/problems/quote-unavailable", title: "Quote unavailable")
    /// The provider's rate limit is per minute at best (a free key: 5 a minute).
    static let rateLimitedRetryAfterSeconds = 60
    /// A provider failure is usually short; asking again sooner than this would only spend budget.
    static let unavailableRetryAfterSeconds = 10

    /// Stock's kinds (the registry `ProblemRegistryTests` checks against `openapi.yaml`).
    package static let all: [ProblemType] = [StockSymbol.unknownProblem, quoteUnavailable]
}

extension StockRejection: ProblemOutcome {
    var problemType: ProblemType {
        switch self {
        case .unknownSymbol: StockSymbol.unknownProblem
        case .quoteUnavailable: StockProblems.quoteUnavailable
        }
    }

    var detail: String {
        switch self {
        case .unknownSymbol(let symbol): StockSymbol.unknownDetail(symbol)
        case .quoteUnavailable(.budgetSpent): "The market-data call budget is spent and no stored quote exists."
        case .quoteUnavailable(.providerRateLimited): "The market-data provider is rate-limiting us and no stored quote exists."
        case .quoteUnavailable(.providerUnavailable): "The market-data provider is unavailable and no stored quote exists."
        }
    }

    var headers: HTTPHeaders {
        switch self {
        case .unknownSymbol: HTTPHeaders()
        case .quoteUnavailable(.budgetSpent(let seconds)): ["Retry-After": String(seconds)]
        case .quoteUnavailable(.providerRateLimited): ["Retry-After": String(StockProblems.rateLimitedRetryAfterSeconds)]
        case .quoteUnavailable(.providerUnavailable): ["Retry-After": String(StockProblems.unavailableRetryAfterSeconds)]
        }
    }

    var outcome: String {
        switch self {
        case .unknownSymbol: "unknown-symbol"
        case .quoteUnavailable(.budgetSpent): "budget-spent"
        case .quoteUnavailable(.providerRateLimited): "provider-rate-limited"
        case .quoteUnavailable(.providerUnavailable): "provider-unavailable"
        }
    }
}
