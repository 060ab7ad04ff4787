import Routing

/// Every business outcome of the trade service with its one problem type.
enum TradeErrors {
    static let insufficientFunds = HTTPError(422, type: "/problems/insufficient-funds", title: "Insufficient funds",
                                             detail: "The account's cash does not cover this order.")
    static let insufficientShares = HTTPError(422, type: "/problems/insufficient-shares", title: "Insufficient shares",
                                              detail: "The account does not hold enough shares of this symbol.")
    static let orderTooSmall = HTTPError(422, type: "/problems/order-too-small", title: "Order too small",
                                         detail: "The order's total rounds to 0.00; order more shares (the minimum total is 0.01).")
    static let keyReused = HTTPError(422, type: "/problems/idempotency-key-reused", title: "Idempotency key reused",
                                     detail: "This Idempotency-Key was used with a different request.")
    static let keyInFlight = HTTPError(409, type: "/problems/idempotency-in-flight", title: "Request in progress",
                                       detail: "A request with this Idempotency-Key is still being processed.")
    /// Only reachable with absurd prices or balances (beyond Int64 cents); a malformed order.
    static let amountOverflow = HTTPError.invalidRequest("The order's amount is too large to process.")

    static func unknownSymbol(_ symbol: String) -> HTTPError {
        HTTPError(404, type: "/problems/unknown-symbol", title: "Unknown symbol", detail: "No stock has the symbol \(symbol).")
    }

    /// The database could not take the write in time (another writer held it past the busy
    /// timeout): the order did not happen and may simply be sent again.
    static let storageBusy = HTTPError(503, type: "/problems/service-unavailable", title: "Service unavailable",
                                       detail: "The order could not be recorded right now; nothing was changed.",
                                       headers: ["Retry-After": "5"])

    /// The order could not start executing within `UPSTREAM_TIMEOUT_MS` of its arrival (a slow price
    /// lookup, a queue of writes): refused rather than executed after the gateway gave up.
    static let orderTimedOut = HTTPError(503, type: "/problems/service-unavailable", title: "Service unavailable",
                                         detail: "The order could not be executed in time; nothing was changed.",
                                         headers: ["Retry-After": "5"])

    static let priceUnavailable = HTTPError(503, type: "/problems/price-unavailable", title: "Price unavailable",
                                            detail: "No current price can be had for this symbol; nothing was changed.",
                                            headers: ["Retry-After": "5"])
}
