import Money

/// One virtual user: its session, what it knows of its account (to choose orders the server will
/// accept), and every order the run saw it execute, for verification.
public struct VirtualUser: Sendable {
    /// An order whose outcome the run could not learn (no response, or a 5xx, after every retry):
    /// verification sends it once more with the same `Idempotency-Key`, which either returns the
    /// first execution's 201 or runs it now, so that it is counted exactly once either way.
    public struct PendingOrder: Sendable, Equatable {
        public let side: OrderRecord.Side
        public let symbol: String
        public let quantity: Int64
        public let idempotencyKey: String

        /// `{"symbol":"AAPL","quantity":2}`.
        var body: [UInt8] { Array(#"{"symbol":"\#(symbol)","quantity":\#(quantity)}"#.utf8) }
        var target: String { side == .buy ? "/trade/buy" : "/trade/sell" }
    }

    public let username: String
    /// The access token, reused until shortly before it expires.
    public var token: String
    /// When the run signs the user in again (a minute before the token's `exp`).
    public var tokenRenewal: ContinuousClock.Instant
    /// Cash, holdings and newest transaction id read before the timed part.
    public var baseline: AccountState
    /// Every 201 of a buy or sell, in the order received (the user sends one request at a time, so
    /// this is the order of execution).
    public var orders: [OrderRecord] = []
    /// Orders whose outcome is unknown (at most one per user in practice: the user waits for each).
    public var unresolved: [PendingOrder] = []

    /// Cash as of the last 201 (or the baseline), to keep buys within it.
    var knownCash: Cents
    /// Shares held as of the last 201, by symbol, to keep sells within them.
    var knownShares: [String: Int64]
    /// Numbers the user's idempotency keys.
    var orderCount = 0

    public init(username: String, token: String, tokenRenewal: ContinuousClock.Instant, baseline: AccountState) {
        self.username = username
        self.token = token
        self.tokenRenewal = tokenRenewal
        self.baseline = baseline
        knownCash = baseline.cash
        knownShares = baseline.holdings.mapValues(\.quantity)
    }

    /// Notes an executed order.
    mutating func record(_ order: OrderRecord) {
        orders.append(order)
        knownCash = order.cashAfter
        let held = (knownShares[order.symbol] ?? 0) + (order.side == .buy ? order.quantity : -order.quantity)
        knownShares[order.symbol] = held > 0 ? held : nil
    }
}
