import Foundation
import GRDB
import Money
import Routing
import ServiceKit
import Storage
import Synchronization

/// An order ready to execute: validated, priced, and (optionally) keyed.
struct Order: Sendable {
    enum Side: String, Sendable {
        case buy, sell
    }

    var userID: Int64
    var side: Side
    var symbol: String
    var quantity: Int64
    var price: Price
    /// `Idempotency-Key` and the request's fingerprint, stored with the order when it executes.
    var idempotency: (key: String, fingerprint: String)?
    /// The latest moment the order may start executing; past it, it is refused and changes nothing
    /// (``OrderRejection/timedOut``). Callers wait that long and not much more for an answer.
    var deadline: ContinuousClock.Instant
}

/// A holding as stored.
struct Holding: Sendable, Equatable {
    var symbol: String
    var quantity: Int64
    var costBasis: Cents
}

/// A response remembered for an `Idempotency-Key`.
struct StoredResponse: Sendable, Equatable {
    var fingerprint: String
    var status: Int
    var body: [UInt8]
}

/// The trade service's books in its own SQLite file (`synchronous=FULL`: an acknowledged order
/// survives a crash or power loss).
///
/// Orders are written by one batching writer: concurrent orders share one `BEGIN IMMEDIATE` …
/// `COMMIT` (one fsync), each inside its own SAVEPOINT, so one order's 422 never affects another
/// and each order is still all-or-nothing. Every order re-reads cash and shares inside the
/// transaction, so concurrent orders can neither overspend nor oversell. Nobody hears "done"
/// before the commit returns. At most `PENDING_ORDERS_MAX` orders wait for the writer; one more
/// is refused at once (``OrderRejection/queueFull``) and changes nothing.
final class Ledger: Sendable {
    struct Pending: Sendable {
        let job: LedgerJob
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Result<LedgerOutput, any Error>, Never>
    }

    let database: DatabasePool
    private let initialCash: Cents
    private let fees: FeeSchedule
    private let limits: TradeLimits
    private let clock: any TradeClock
    /// Told of every order event once its commit returned.
    let hub: OrderEventHub
    private let pendingOrdersMax: Int
    /// Asked again inside each job's transaction: a slot frozen for a move takes no more writes.
    let ownership: SlotOwnership
    private let queue = Mutex<(jobs: [Pending], writerActive: Bool)>(([], false))

    init(path: String, initialCash: Cents, limits: TradeLimits, fees: FeeSchedule = .zero,
         clock: any TradeClock = SystemClock(), hub: OrderEventHub? = nil,
         ownership: SlotOwnership = SlotOwnership(owned: .all)) throws(StorageError) {
        self.initialCash = initialCash
        self.fees = fees
        self.limits = limits
        self.clock = clock
        self.hub = hub ?? OrderEventHub(subscribersMax: limits.eventSubscribersMax)
        self.ownership = ownership
        pendingOrdersMax = limits.pendingOrdersMax
        database = try SQLiteDatabase.open(path: path, durability: .full, busyTimeout: limits.sqliteBusyTimeout,
                                           migrator: Self.migrator)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-ledger") { db in
            try db.execute(sql: """
                CREATE TABLE accounts (
                    user_id INTEGER PRIMARY KEY,
                    cash_cents INTEGER NOT NULL CHECK (cash_cents >= 0),
                    created_at TEXT NOT NULL
                ) STRICT;
                CREATE TABLE holdings (
                    user_id INTEGER NOT NULL REFERENCES accounts(user_id),
                    symbol TEXT NOT NULL,
                    quantity INTEGER NOT NULL CHECK (quantity > 0),
                    cost_basis_cents INTEGER NOT NULL CHECK (cost_basis_cents >= 0),
                    PRIMARY KEY (user_id, symbol)
                ) STRICT;
                CREATE TABLE transactions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id INTEGER NOT NULL REFERENCES accounts(user_id),
                    side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
                    symbol TEXT NOT NULL,
                    quantity INTEGER NOT NULL CHECK (quantity > 0),
                    price_units INTEGER NOT NULL CHECK (price_units > 0),
                    total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
                    cash_after_cents INTEGER NOT NULL CHECK (cash_after_cents >= 0),
                    executed_at TEXT NOT NULL
                ) STRICT;
                CREATE INDEX transactions_by_user ON transactions(user_id, id);
                CREATE TABLE idempotency_keys (
                    user_id INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    created_at_ms INTEGER NOT NULL,
                    PRIMARY KEY (user_id, key)
                ) STRICT;
                CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at_ms);
                CREATE TABLE last_prices (
                    symbol TEXT PRIMARY KEY,
                    price_units INTEGER NOT NULL CHECK (price_units > 0)
                ) STRICT;
                """)
        }
        migrator.registerMigration("v2-orders") { db in
            // Reservations live beside what they hold, where a CHECK keeps them covered: cash held
            // by open buys never exceeds the cash, shares held by open sells never exceed the holding.
            try db.execute(sql: """
                ALTER TABLE accounts ADD COLUMN reserved_cents INTEGER NOT NULL DEFAULT 0
                    CHECK (reserved_cents >= 0 AND reserved_cents <= cash_cents);
                ALTER TABLE accounts ADD COLUMN open_orders INTEGER NOT NULL DEFAULT 0 CHECK (open_orders >= 0);
                ALTER TABLE holdings ADD COLUMN reserved_shares INTEGER NOT NULL DEFAULT 0
                    CHECK (reserved_shares >= 0 AND reserved_shares <= quantity);
                ALTER TABLE transactions ADD COLUMN fee_cents INTEGER NOT NULL DEFAULT 0 CHECK (fee_cents >= 0);
                CREATE TABLE orders (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id INTEGER NOT NULL REFERENCES accounts(user_id),
                    symbol TEXT NOT NULL,
                    side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
                    quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 1000000),
                    type TEXT NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
                    time_in_force TEXT NOT NULL CHECK (time_in_force IN ('day', 'gtc', 'ioc', 'fok')),
                    limit_price_units INTEGER CHECK (limit_price_units > 0),
                    stop_price_units INTEGER CHECK (stop_price_units > 0),
                    status TEXT NOT NULL CHECK (status IN ('new', 'filled', 'canceled', 'expired', 'rejected')),
                    triggered INTEGER NOT NULL DEFAULT 0 CHECK (triggered IN (0, 1)),
                    reserved_cents INTEGER NOT NULL CHECK (reserved_cents >= 0),
                    reserved_shares INTEGER NOT NULL CHECK (reserved_shares >= 0),
                    fee_cents INTEGER CHECK (fee_cents >= 0),
                    filled_price_units INTEGER CHECK (filled_price_units > 0),
                    created_at TEXT NOT NULL,
                    filled_at TEXT,
                    canceled_at TEXT,
                    expired_at TEXT,
                    expires_at_ms INTEGER,
                    -- a closed order holds nothing; a filled one has its price and fee
                    CHECK (status = 'new' OR (reserved_cents = 0 AND reserved_shares = 0)),
                    CHECK ((status = 'filled') = (filled_price_units IS NOT NULL AND fee_cents IS NOT NULL)),
                    CHECK (type IN ('market', 'stop') OR limit_price_units IS NOT NULL),
                    CHECK (type IN ('market', 'limit') OR stop_price_units IS NOT NULL)
                ) STRICT;
                CREATE INDEX orders_by_user ON orders(user_id, id);
                CREATE INDEX orders_open_by_symbol ON orders(symbol, id) WHERE status = 'new';
                CREATE INDEX orders_open_by_expiry ON orders(expires_at_ms, id) WHERE status = 'new' AND expires_at_ms IS NOT NULL;
                CREATE TABLE order_book (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    open_orders INTEGER NOT NULL CHECK (open_orders >= 0)
                ) STRICT;
                INSERT INTO order_book (id, open_orders) VALUES (1, 0);
                CREATE TABLE order_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id INTEGER NOT NULL,
                    "order" TEXT NOT NULL,
                    created_at TEXT NOT NULL
                ) STRICT;
                CREATE INDEX order_events_by_user ON order_events(user_id, id);
                """)
        }
        return migrator
    }

    // MARK: - Orders

    /// Executes `order` in the next batch; the result arrives after the batch committed. With
    /// `PENDING_ORDERS_MAX` jobs already waiting, fails at once with ``OrderRejection/queueFull``.
    func execute(_ order: Order) async -> Result<TransactionBody, any Error> {
        await submit(.market(order), deadline: order.deadline).flatMap {
            guard case .transaction(let body) = $0 else { return .failure(HTTPError.internalError) }
            return .success(body)
        }
    }

    /// Places an order (`POST /trade/orders`).
    func place(_ request: OrderRequest, deadline: ContinuousClock.Instant) async -> Result<TradeOrder, any Error> {
        await submit(.place(request), deadline: deadline).flatMap {
            guard case .order(let order) = $0 else { return .failure(HTTPError.internalError) }
            return .success(order)
        }
    }

    /// Cancels an open order of the user's (`DELETE /trade/orders/{id}`).
    func cancel(userID: Int64, orderID: Int64, deadline: ContinuousClock.Instant) async -> Result<TradeOrder, any Error> {
        await submit(.cancel(userID: userID, orderID: orderID), deadline: deadline).flatMap {
            guard case .order(let order) = $0 else { return .failure(HTTPError.internalError) }
            return .success(order)
        }
    }

    /// Applies one tick of matching (``OrderMatcher``).
    func match(_ plan: MatchPlan) async -> Result<MatchReport, any Error> {
        await submit(.match(plan), deadline: ContinuousClock.now + .seconds(60)).flatMap {
            guard case .matched(let report) = $0 else { return .failure(HTTPError.internalError) }
            return .success(report)
        }
    }

    /// Queues `job` for the writer; the result arrives after its batch committed.
    func submit(_ job: LedgerJob, deadline: ContinuousClock.Instant) async -> Result<LedgerOutput, any Error> {
        await withCheckedContinuation { continuation in
            enum Admission { case queued, queuedStartWriter, refused }
            let admission = queue.withLock { state -> Admission in
                guard state.jobs.count < pendingOrdersMax else { return .refused }
                state.jobs.append(Pending(job: job, deadline: deadline, continuation: continuation))
                if state.writerActive { return .queued }
                state.writerActive = true
                return .queuedStartWriter
            }
            switch admission {
            case .refused: continuation.resume(returning: .failure(OrderRejection.queueFull))
            case .queuedStartWriter: Task { await self.drain() }
            case .queued: break
            }
        }
    }

    /// Jobs waiting for the writer now, and whether a writer is running (tests watch the bound).
    var pending: (orders: Int, writerActive: Bool) {
        queue.withLock { ($0.jobs.count, $0.writerActive) }
    }

    /// Commits batches until the queue is empty. Jobs that arrive while a batch commits form
    /// the next batch: under load, batches grow by themselves; alone, a job commits at once.
    private func drain() async {
        while true {
            let batch = queue.withLock { state -> [Pending] in
                guard !state.jobs.isEmpty else {
                    state.writerActive = false
                    return []
                }
                let taken = Array(state.jobs.prefix(TradeLimits.ordersPerCommitMax))
                state.jobs.removeFirst(taken.count)
                return taken
            }
            if batch.isEmpty { return }
            let results = await commit(batch.map { ($0.job, $0.deadline) })
            for (pending, result) in zip(batch, results) { pending.continuation.resume(returning: result) }
        }
    }

    private func commit(_ jobs: [(job: LedgerJob, deadline: ContinuousClock.Instant)]) async -> [Result<LedgerOutput, any Error>] {
        let (initialCash, fees, limits, now, ownership) = (self.initialCash, self.fees, self.limits, clock.now(), self.ownership)
        do {
            let (results, events) = try await database.writeWithoutTransaction { db in
                var results: [Result<LedgerOutput, any Error>] = []
                let scope = WriteScope(db: db, now: now, initialCash: initialCash, fees: fees, limits: limits,
                                       ownership: ownership)
                try db.inTransaction(.immediate) {
                    for (job, deadline) in jobs {
                        // Checked after BEGIN IMMEDIATE, which may have waited out the busy timeout:
                        // a job whose caller has given up (the gateway's 504) must not execute.
                        guard ContinuousClock.now < deadline else {
                            results.append(.failure(OrderRejection.timedOut))
                            continue
                        }
                        // Freezing a slot takes this same write lock (SlotAdmin), so a job either
                        // committed before the freeze or sees it here (the matcher checks per order).
                        if let userID = job.userID, case .failure(let refusal) = Result(catching: { () throws(ShardRejection) in
                            try ownership.check(userID: userID, write: true)
                        }) {
                            results.append(.failure(refusal))
                            continue
                        }
                        do {
                            // Each job in its own savepoint: one job's 422 never affects another.
                            results.append(.success(try scope.savepoint { try job.apply(scope) }))
                        } catch {
                            results.append(.failure(error))
                        }
                    }
                    return .commit
                }
                return (results, scope.events)
            }
            // Only now are the events durable: subscribers may read them.
            for event in events { hub.publish(userID: event.userID, eventID: event.eventID) }
            return results
        } catch {
            // The commit itself failed: no job of the batch happened. A lock held past the busy
            // timeout is "try again" (503); anything else stays unexpected (500, logged).
            let busy = (error as? DatabaseError).map { $0.resultCode == .SQLITE_BUSY || $0.resultCode == .SQLITE_LOCKED } ?? false
            return jobs.map { _ in .failure(busy ? OrderRejection.storageBusy : error) }
        }
    }

    // MARK: - Reads

    /// The account's cash and holdings, creating the account with the initial cash on first use.
    func account(userID: Int64) async throws -> (cash: Cents, reserved: Cents, holdings: [Holding]) {
        if let found = try await database.read({ db in try Self.readAccount(db, userID: userID) }) { return found }
        let initialCash = self.initialCash
        return try await database.writeImmediate { db in
            try OrderExecution.ensureAccount(db, userID: userID, initialCash: initialCash)
            return try Self.readAccount(db, userID: userID)!
        }
    }

    private static func readAccount(_ db: Database, userID: Int64) throws -> (cash: Cents, reserved: Cents, holdings: [Holding])? {
        // Cached statements: preparing the text anew cost more than the rest of the read (bench/RESULTS.md).
        guard let account = try Row.fetchOne(db.cachedStatement(sql: "SELECT cash_cents, reserved_cents FROM accounts WHERE user_id = ?"),
                                             arguments: [userID]) else { return nil }
        let holdings = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT symbol, quantity, cost_basis_cents FROM holdings WHERE user_id = ? ORDER BY symbol
            """), arguments: [userID]).map {
            Holding(symbol: $0[0], quantity: $0[1], costBasis: Cents(minorUnits: $0[2]))
        }
        return (Cents(minorUnits: account[0]), Cents(minorUnits: account[1]), holdings)
    }

    /// A page of the user's transactions, newest first, and the `before` of the next page.
    func transactions(userID: Int64, limit: Int, before: Int64?) async throws -> (items: [TransactionBody], next: Int64?) {
        let rows = try await database.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(OrderExecution.bodyColumns) FROM transactions WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?
                """), arguments: [userID, before ?? Int64.max, limit + 1]).map(OrderExecution.body)
        }
        let items = Array(rows.prefix(limit))
        return (items, rows.count > limit ? items.last?.id : nil)
    }

    /// The remembered response for a key, unless it has expired.
    func storedResponse(userID: Int64, key: String, notBeforeMs: Int64) async throws -> StoredResponse? {
        try await database.read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = ? AND key = ? AND created_at_ms >= ?
                """), arguments: [userID, key, notBeforeMs]).map {
                StoredResponse(fingerprint: $0["fingerprint"], status: $0["status"], body: [UInt8]($0["body"] as Data))
            }
        }
    }

    /// Forgets keys older than the TTL.
    func purgeKeys(olderThanMs: Int64) async throws -> Int {
        try await database.writeImmediate { db in
            try db.execute(sql: "DELETE FROM idempotency_keys WHERE created_at_ms < ?", arguments: [olderThanMs])
            return db.changesCount
        }
    }

    /// The last price seen per symbol (valuation fallback when the stock service is down).
    func lastPrices() throws -> [String: Price] {
        try database.read { db in
            var prices: [String: Price] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT symbol, price_units FROM last_prices") {
                prices[row["symbol"]] = Price(minorUnits: row["price_units"])
            }
            return prices
        }
    }

    func close() throws { try database.close() }

    /// Closes without holding a thread of Swift's cooperative pool while accesses finish (shutdown).
    func closeFromTask() async throws { try await database.closeOffCooperativePool() }
}
