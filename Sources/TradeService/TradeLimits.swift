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

    /// Reads `PENDING_ORDERS_MAX` (1 to 1,000,000, default 1024).
    init(environment: Environment) throws {
        pendingOrdersMax = try environment.int("PENDING_ORDERS_MAX", default: 1024, in: 1...1_000_000)
    }

    /// Explicit limits (tests).
    package init(pendingOrdersMax: Int, sqliteBusyTimeout: Duration = .seconds(5)) {
        self.pendingOrdersMax = pendingOrdersMax
        self.sqliteBusyTimeout = sqliteBusyTimeout
    }
}
