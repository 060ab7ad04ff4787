import ServiceKit

/// The trade service's bounds, each named with its unit (STYLE.md 5).
public struct TradeLimits: Sendable {
    /// `PENDING_ORDERS_MAX`: orders that may wait for the ledger's one writer (not counting the batch
    /// being committed); one more is refused at once with 503 and `Retry-After`, changing nothing.
    /// Default 1024: four batches of ``ordersPerCommitMax``, so a full queue drains in four commits
    /// (a few milliseconds each on a local disk), far inside `UPSTREAM_TIMEOUT_MS`; each waiting
    /// order holds its request (at most `MAX_BODY_BYTES`, an order is under 100 bytes) and a
    /// continuation.
    public var pendingOrdersMax: Int

    /// Most orders per commit (one `BEGIN IMMEDIATE` … `COMMIT`, one fsync): bounds how long the
    /// write lock is held and a batch's latency.
    public static let ordersPerCommitMax = 256

    /// How long a write waits for another connection's lock on the ledger before SQLITE_BUSY, which an
    /// order answers with 503 (only a second process, such as a backup, holds it that long).
    public var sqliteBusyTimeout: Duration = .seconds(5)

    /// `Retry-After` of every 503 trade answers: about one busy timeout, by when a lock or a queue
    /// has usually cleared.
    public static let retryAfterSeconds = 5

    /// `OPEN_ORDERS_PER_USER_MAX`: orders one user may have open (`new`) at once; one more is 422
    /// `/problems/too-many-open-orders`. Default 1,000 (Alpaca-like accounts rarely hold more).
    public var openOrdersPerUserMax: Int64 = 1000

    /// `OPEN_ORDERS_MAX`: open orders across all users; one more is 503. Default 100,000: each is
    /// one row of about 200 bytes and a matcher candidate, ten times the 10,000 the bench holds open.
    public var openOrdersMax: Int64 = 100_000

    /// `STOP_COLLAR_BPS`: how far above its stop price a stop buy's reservation reaches, in basis
    /// points (default 500, 5%): a stop buy becomes a market order when crossed, so it reserves
    /// `stop × (1 + collar) × quantity` plus that amount's fee. Filling higher needs free cash.
    public var stopCollarBps: Int64 = 500

    /// `MATCH_INTERVAL_MS`: how often the matcher prices the symbols with open orders and fills
    /// what crossed (one stock-service lookup per symbol per interval, shared by all its orders).
    /// Default 1,000 ms; the simulated market moves once a minute, a live quote is cached for
    /// `QUOTE_TTL_SECONDS` by the stock service, so a shorter interval costs no provider call.
    public var matchInterval: Duration = .milliseconds(1000)

    /// Symbols priced per tick (a round robin over the rest): bounds the lookups in flight.
    public static let matchSymbolsPerTickMax = 64

    /// Orders a tick may fill, expire or trigger, in one transaction: bounds the write lock's hold
    /// (about four commits' worth of ``ordersPerCommitMax``); more wait for the next tick.
    public static let matchOrdersPerTickMax = 1024

    /// `ORDER_EVENT_SUBSCRIBERS_MAX`: event subscriptions (`GET /trade/events` streams) at once.
    /// Default 1,024; each holds a few hundred bytes and one waiter.
    public var eventSubscribersMax: Int = 1024

    /// `ORDER_EVENT_TTL_SECONDS`: how long order events are kept for streams that resume with
    /// `Last-Event-ID` (default 7 days); older ones are deleted hourly.
    public var orderEventTTLSeconds: Int = 604_800

    /// Reads the variables above (each a whole number in its range).
    init(environment: Environment) throws {
        pendingOrdersMax = try environment.int("PENDING_ORDERS_MAX", default: 1024, in: 1...1_000_000)
        openOrdersPerUserMax = Int64(try environment.int("OPEN_ORDERS_PER_USER_MAX", default: 1000, in: 1...1_000_000))
        openOrdersMax = Int64(try environment.int("OPEN_ORDERS_MAX", default: 100_000, in: 1...10_000_000))
        stopCollarBps = Int64(try environment.int("STOP_COLLAR_BPS", default: 500, in: 0...10_000))
        matchInterval = .milliseconds(try environment.int("MATCH_INTERVAL_MS", default: 1000, in: 10...600_000))
        eventSubscribersMax = try environment.int("ORDER_EVENT_SUBSCRIBERS_MAX", default: 1024, in: 1...1_000_000)
        orderEventTTLSeconds = try environment.int("ORDER_EVENT_TTL_SECONDS", default: 604_800, in: 60...31_536_000)
    }

    /// Explicit limits (tests).
    package init(pendingOrdersMax: Int, sqliteBusyTimeout: Duration = .seconds(5)) {
        self.pendingOrdersMax = pendingOrdersMax
        self.sqliteBusyTimeout = sqliteBusyTimeout
    }
}
