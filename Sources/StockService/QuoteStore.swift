import Foundation
import GRDB
import MarketData
import Money
import Storage

/// The provider cache in the stock service's own SQLite file: the last quote per symbol with the
/// time it was fetched, and daily closes with the time the series was fetched. Prices are stored
/// as INTEGER 1/10,000 units (never REAL: PITFALLS.md). A cache, so `synchronous=NORMAL`.
final class QuoteStore: Sendable {
    struct StoredQuote: Sendable, Equatable {
        var price: Price
        var fetchedAt: Date
    }

    private let database: DatabasePool

    init(path: String, busyTimeout: Duration) throws(StorageError) {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-cache") { db in
            try db.execute(sql: """
                CREATE TABLE quotes (
                    symbol TEXT PRIMARY KEY,
                    price_units INTEGER NOT NULL CHECK (price_units > 0),
                    fetched_at_ms INTEGER NOT NULL
                ) STRICT;
                CREATE TABLE daily_closes (
                    symbol TEXT NOT NULL,
                    day TEXT NOT NULL,
                    close_units INTEGER NOT NULL CHECK (close_units > 0),
                    PRIMARY KEY (symbol, day)
                ) STRICT;
                CREATE TABLE history_fetches (
                    symbol TEXT PRIMARY KEY,
                    fetched_at_ms INTEGER NOT NULL
                ) STRICT;
                """)
        }
        database = try SQLiteDatabase.open(path: path, durability: .normal, busyTimeout: busyTimeout, migrator: migrator)
    }

    /// Every stored quote (loaded once at start into memory).
    func allQuotes() throws -> [String: StoredQuote] {
        try database.read { db in
            var result: [String: StoredQuote] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT symbol, price_units, fetched_at_ms FROM quotes") {
                result[row["symbol"]] = StoredQuote(price: Price(minorUnits: row["price_units"]),
                                                    fetchedAt: Self.date(row["fetched_at_ms"]))
            }
            return result
        }
    }

    func saveQuote(_ symbol: String, _ quote: StoredQuote) async throws {
        try await database.writeImmediate { db in
            try db.execute(sql: """
                INSERT INTO quotes (symbol, price_units, fetched_at_ms) VALUES (?, ?, ?)
                ON CONFLICT(symbol) DO UPDATE SET price_units = excluded.price_units, fetched_at_ms = excluded.fetched_at_ms
                """, arguments: [symbol, quote.price.minorUnits, Self.milliseconds(quote.fetchedAt)])
        }
    }

    /// When the series for `symbol` was last fetched, if ever.
    func historyFetchedAt(_ symbol: String) async throws -> Date? {
        try await database.read { db in
            try Int64.fetchOne(db, sql: "SELECT fetched_at_ms FROM history_fetches WHERE symbol = ?", arguments: [symbol])
                .map(Self.date)
        }
    }

    /// The `days` most recent stored closes, oldest first.
    func closes(_ symbol: String, days: Int) async throws -> [DailyClose] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT day, close_units FROM daily_closes WHERE symbol = ? ORDER BY day DESC LIMIT ?
                """, arguments: [symbol, days])
                .reversed()
                .map { DailyClose(date: $0["day"], close: Price(minorUnits: $0["close_units"])) }
        }
    }

    /// Replaces the stored series for `symbol`.
    func saveCloses(_ symbol: String, _ closes: [DailyClose], fetchedAt: Date) async throws {
        try await database.writeImmediate { db in
            try db.execute(sql: "DELETE FROM daily_closes WHERE symbol = ?", arguments: [symbol])
            for close in closes {
                try db.execute(sql: "INSERT INTO daily_closes (symbol, day, close_units) VALUES (?, ?, ?)",
                               arguments: [symbol, close.date, close.close.minorUnits])
            }
            try db.execute(sql: """
                INSERT INTO history_fetches (symbol, fetched_at_ms) VALUES (?, ?)
                ON CONFLICT(symbol) DO UPDATE SET fetched_at_ms = excluded.fetched_at_ms
                """, arguments: [symbol, Self.milliseconds(fetchedAt)])
        }
    }

    func close() throws { try database.close() }

    /// Closes without holding a thread of Swift's cooperative pool while accesses finish (shutdown).
    func closeFromTask() async throws { try await database.closeOffCooperativePool() }

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    private static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000) }
}
