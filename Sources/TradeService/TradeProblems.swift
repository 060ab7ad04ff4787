import HTTP
import Routing
import ServiceKit

/// Why an order did not execute. Each case is answered as one problem type, in ``TradeProblems``
/// below: the one registry of what trade answers. Every case changed nothing.
enum OrderRejection: Error, Equatable, Sendable {
    /// A buy costing more than the cash (422).
    case insufficientFunds
    /// A sell of more shares than held, including never held (422).
    case insufficientShares
    /// A total (`price × quantity`, half-even to the cent) of 0.00 (422).
    case orderTooSmall
    /// An amount beyond `Int64` cents: only absurd prices or balances reach it; a malformed order (400).
    case amountOverflow
    /// A symbol the stock service does not know (404).
    case unknownSymbol(String)
    /// No current price could be had (503).
    case priceUnavailable
    /// The `Idempotency-Key` was used with another request (422).
    case idempotencyKeyReused
    /// A request with the `Idempotency-Key` is still running (409).
    case idempotencyKeyInFlight
    /// The database stayed locked past the busy timeout (503).
    case storageBusy
    /// The order could not start within `UPSTREAM_TIMEOUT_MS` of arriving (503).
    case timedOut
    /// `PENDING_ORDERS_MAX` orders already wait for the writer (503).
    case queueFull
    /// No such order of this user's (404, also for another user's order).
    case orderNotFound
    /// The order is already filled, canceled, expired or rejected (409).
    case orderNotCancelable
    /// The user has `OPEN_ORDERS_PER_USER_MAX` open orders (422).
    case tooManyOpenOrders
    /// `OPEN_ORDERS_MAX` orders are open across all users (503).
    case orderBookFull
    /// `ORDER_EVENT_SUBSCRIBERS_MAX` event streams are open already (503).
    case eventStreamsFull
}

/// Every problem type trade answers of its own; `unknown-symbol` is ``StockSymbol/unknownProblem``
/// (stock's kind, passed on), and the 503s without a kind of their own are `service-unavailable`.
enum TradeProblems {
    static let insufficientFunds = ProblemType(422, "/problems/insufficient-funds", title: "Insufficient funds")
    static let insufficientShares = ProblemType(422, "/problems/insufficient-shares", title: "Insufficient shares")
    static let orderTooSmall = ProblemType(422, "/problems/order-too-small", title: "Order too small")
    static let idempotencyKeyReused = ProblemType(422, "/problems/idempotency-key-reused", title: "Idempotency key reused")
    static let idempotencyKeyInFlight = ProblemType(409, "/problems/idempotency-in-flight", title: "Request in progress")
    static let priceUnavailable = ProblemType(503, "/problems/price-unavailable", title: "Price unavailable")
    static let orderNotCancelable = ProblemType(409, "/problems/order-not-cancelable", title: "Order not cancelable")
    static let tooManyOpenOrders = ProblemType(422, "/problems/too-many-open-orders", title: "Too many open orders")
    /// 421: the account belongs to another trade shard (``ShardRejection``).
    static let wrongShard = ProblemType(421, "/problems/wrong-shard", title: "Wrong shard")

    /// Trade's kinds (the registry `ProblemRegistryTests` checks against `openapi.yaml`).
    package static let all: [ProblemType] = [
        insufficientFunds, insufficientShares, orderTooSmall, idempotencyKeyReused, idempotencyKeyInFlight,
        priceUnavailable, orderNotCancelable, tooManyOpenOrders, wrongShard, StockSymbol.unknownProblem,
    ]
}

extension OrderRejection: ProblemOutcome {
    var problemType: ProblemType {
        switch self {
        case .insufficientFunds: TradeProblems.insufficientFunds
        case .insufficientShares: TradeProblems.insufficientShares
        case .orderTooSmall: TradeProblems.orderTooSmall
        case .amountOverflow: HTTPProblems.invalidRequest
        case .unknownSymbol: StockSymbol.unknownProblem
        case .priceUnavailable: TradeProblems.priceUnavailable
        case .idempotencyKeyReused: TradeProblems.idempotencyKeyReused
        case .idempotencyKeyInFlight: TradeProblems.idempotencyKeyInFlight
        case .storageBusy, .timedOut, .queueFull, .orderBookFull, .eventStreamsFull: HTTPProblems.serviceUnavailable
        case .orderNotFound: RoutingProblems.notFound
        case .orderNotCancelable: TradeProblems.orderNotCancelable
        case .tooManyOpenOrders: TradeProblems.tooManyOpenOrders
        }
    }

    var detail: String {
        switch self {
        case .insufficientFunds: "The account's cash does not cover this order."
        case .insufficientShares: "The account does not hold enough shares of this symbol."
        case .orderTooSmall: "The order's total rounds to 0.00; order more shares (the minimum total is 0.01)."
        case .amountOverflow: "The order's amount is too large to process."
        case .unknownSymbol(let symbol): StockSymbol.unknownDetail(symbol)
        case .priceUnavailable: "No current price can be had for this symbol; nothing was changed."
        case .idempotencyKeyReused: "This Idempotency-Key was used with a different request."
        case .idempotencyKeyInFlight: "A request with this Idempotency-Key is still being processed."
        case .storageBusy: "The order could not be recorded right now; nothing was changed."
        case .timedOut: "The order could not be executed in time; nothing was changed."
        case .queueFull: "Too many orders are waiting to be recorded; nothing was changed."
        case .orderNotFound: "No order with this id exists for this account."
        case .orderNotCancelable: "The order is no longer open (filled, canceled, expired or rejected)."
        case .tooManyOpenOrders: "The account already has as many open orders as allowed; cancel one first."
        case .orderBookFull: "The service holds as many open orders as it can; nothing was changed."
        case .eventStreamsFull: "The service holds as many event streams as it can; retry later."
        }
    }

    /// Every 503 of trade says when to try again (API.md); nothing else carries extra fields.
    var headers: HTTPHeaders {
        switch self {
        case .priceUnavailable, .storageBusy, .timedOut, .queueFull, .orderBookFull, .eventStreamsFull:
            ["Retry-After": String(TradeLimits.retryAfterSeconds)]
        case .insufficientFunds, .insufficientShares, .orderTooSmall, .amountOverflow, .unknownSymbol,
             .idempotencyKeyReused, .idempotencyKeyInFlight, .orderNotFound, .orderNotCancelable, .tooManyOpenOrders:
            HTTPHeaders()
        }
    }

    var outcome: String {
        switch self {
        case .insufficientFunds: "insufficient-funds"
        case .insufficientShares: "insufficient-shares"
        case .orderTooSmall: "order-too-small"
        case .amountOverflow: "amount-overflow"
        case .unknownSymbol: "unknown-symbol"
        case .priceUnavailable: "price-unavailable"
        case .idempotencyKeyReused: "idempotency-key-reused"
        case .idempotencyKeyInFlight: "idempotency-in-flight"
        case .storageBusy: "storage-busy"
        case .timedOut: "timed-out"
        case .queueFull: "queue-full"
        case .orderNotFound: "order-not-found"
        case .orderNotCancelable: "order-not-cancelable"
        case .tooManyOpenOrders: "too-many-open-orders"
        case .orderBookFull: "order-book-full"
        case .eventStreamsFull: "event-streams-full"
        }
    }
}
