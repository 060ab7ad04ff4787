import Foundation
import GRDB
import Money
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
        let order: Order
        let continuation: CheckedContinuation<Result<TransactionBody, any Error>, Never>
    }

    let database: DatabasePool
    private let initialCash: Cents
    private let pendingOrdersMax: Int
    /// Asked again inside each order's transaction: a slot frozen for a move takes no more writes.
    let ownership: SlotOwnership
    private let queue = Mutex<(orders: [Pending], writerActive: Bool)>(([], false))

    init(path: String, initialCash: Cents, limits: TradeLimits, ownership: SlotOwnership = SlotOwnership(owned: .all))
        throws(StorageError) {
        self.initialCash = initialCash
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
        return migrator
    }

    // MARK: - Orders

    /// Executes `order` in the next batch; the result arrives after the batch committed. With
    /// `PENDING_ORDERS_MAX` orders already waiting, fails at once with ``OrderRejection/queueFull``.
    func execute(_ order: Order) async -> Result<TransactionBody, any Error> {
        await withCheckedContinuation { continuation in
            enum Admission { case queued, queuedStartWriter, refused }
            let admission = queue.withLock { state -> Admission in
                guard state.orders.count < pendingOrdersMax else { return .refused }
                state.orders.append(Pending(order: order, continuation: continuation))
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

    /// Orders waiting for the writer now, and whether a writer is running (tests watch the bound).
    var pending: (orders: Int, writerActive: Bool) {
        queue.withLock { ($0.orders.count, $0.writerActive) }
    }

    /// Commits batches until the queue is empty. Orders that arrive while a batch commits form
    /// the next batch: under load, batches grow by themselves; alone, an order commits at once.
    private func drain() async {
        while true {
            let batch = queue.withLock { state -> [Pending] in
                guard !state.orders.isEmpty else {
                    state.writerActive = false
                    return []
                }
                let taken = Array(state.orders.prefix(TradeLimits.ordersPerCommitMax))
                state.orders.removeFirst(taken.count)
                return taken
            }
            if batch.isEmpty { return }
            let results = await commit(batch.map(\.order))
            for (pending, result) in zip(batch, results) { pending.continuation.resume(returning: result) }
        }
    }

    private func commit(_ orders: [Order]) async -> [Result<TransactionBody, any Error>] {
        let initialCash = self.initialCash
        let ownership = self.ownership
        do {
            return try await database.writeWithoutTransaction { db in
                var results: [Result<TransactionBody, any Error>] = []
                try db.inTransaction(.immediate) {
                    let executedAt = Timestamp.rfc3339()
                    let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
                    for order in orders {
                        // Checked after BEGIN IMMEDIATE, which may have waited out the busy timeout:
                        // an order whose caller has given up (the gateway's 504) must not execute.
                        guard ContinuousClock.now < order.deadline else {
                            results.append(.failure(OrderRejection.timedOut))
                            continue
                        }
                        // Freezing a slot takes this same write lock (SlotAdmin), so an order
                        // either committed before the freeze or sees it here.
                        if case .failure(let refusal) = Result(catching: { () throws(ShardRejection) in
                            try ownership.check(userID: order.userID, write: true)
                        }) {
                            results.append(.failure(refusal))
                            continue
                        }
                        var outcome: Result<TransactionBody, any Error> = .failure(CancellationError())
                        do {
                            try db.inSavepoint {
                                outcome = .success(try OrderExecution.apply(order, db: db, initialCash: initialCash,
                                                                            executedAt: executedAt, nowMs: nowMs))
                                return .commit
                            }
                        } catch {
                            outcome = .failure(error)  // the savepoint rolled back: this order changed nothing
                        }
                        results.append(outcome)
                    }
                    return .commit
                }
                return results
            }
        } catch {
            // The commit itself failed: no order of the batch happened. A lock held past the busy
            // timeout is "try again" (503); anything else stays unexpected (500, logged).
            let busy = (error as? DatabaseError).map { $0.resultCode == .SQLITE_BUSY || $0.resultCode == .SQLITE_LOCKED } ?? false
            return orders.map { _ in .failure(busy ? OrderRejection.storageBusy : error) }
        }
    }

    // MARK: - Reads

    /// The account's cash and holdings, creating the account with the initial cash on first use.
    func account(userID: Int64) async throws -> (cash: Cents, holdings: [Holding]) {
        if let found = try await database.read({ db in try Self.readAccount(db, userID: userID) }) { return found }
        let initialCash = self.initialCash
        return try await database.writeImmediate { db in
            try OrderExecution.ensureAccount(db, userID: userID, initialCash: initialCash)
            return try Self.readAccount(db, userID: userID)!
        }
    }

    private static func readAccount(_ db: Database, userID: Int64) throws -> (cash: Cents, holdings: [Holding])? {
        guard let cash = try Int64.fetchOne(db, sql: "SELECT cash_cents FROM accounts WHERE user_id = ?",
                                            arguments: [userID]) else { return nil }
        let holdings = try Row.fetchAll(db, sql: """
            SELECT symbol, quantity, cost_basis_cents FROM holdings WHERE user_id = ? ORDER BY symbol
            """, arguments: [userID]).map {
            Holding(symbol: $0["symbol"], quantity: $0["quantity"], costBasis: Cents(minorUnits: $0["cost_basis_cents"]))
        }
        return (Cents(minorUnits: cash), holdings)
    }

    /// A page of the user's transactions, newest first, and the `before` of the next page.
    func transactions(userID: Int64, limit: Int, before: Int64?) async throws -> (items: [TransactionBody], next: Int64?) {
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM transactions WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?
                """, arguments: [userID, before ?? Int64.max, limit + 1]).map(OrderExecution.body)
        }
        let items = Array(rows.prefix(limit))
        return (items, rows.count > limit ? items.last?.id : nil)
    }

    /// The remembered response for a key, unless it has expired.
    func storedResponse(userID: Int64, key: String, notBeforeMs: Int64) async throws -> StoredResponse? {
        try await database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = ? AND key = ? AND created_at_ms >= ?
                """, arguments: [userID, key, notBeforeMs]).map {
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
}
