import Foundation
import GRDB

/// Opens a service's own SQLite file the way every service needs it: WAL journal (readers never
/// block the writer), a busy timeout instead of instant SQLITE_BUSY, foreign keys, the chosen
/// `synchronous` level, and the service's versioned migrations applied before it serves.
public enum SQLiteDatabase {
    /// How hard a commit waits for the disk.
    public enum Durability: String, Sendable {
        /// `synchronous=FULL`: a committed transaction survives power loss (money, users).
        case full = "FULL"
        /// `synchronous=NORMAL`: may lose the last commits on power loss (caches).
        case normal = "NORMAL"
    }

    /// Opens (creating if needed) the database at `path` and migrates it.
    /// - Parameter busyTimeout: how long a statement waits for another connection's lock before
    ///   failing with SQLITE_BUSY (each service names its own, with its unit, in its limits).
    /// - Throws: ``StorageError`` when the file cannot be opened, written or migrated.
    public static func open(path: String, durability: Durability, busyTimeout: Duration,
                            migrator: DatabaseMigrator) throws(StorageError) -> DatabasePool {
        var configuration = Configuration()
        let (seconds, attoseconds) = busyTimeout.components
        configuration.busyMode = .timeout(Double(seconds) + Double(attoseconds) / 1e18)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability.rawValue)")
        }
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB turns on WAL after `prepareDatabase` and sets the writer to `synchronous=NORMAL` as it
            // does (GRDB 7 `Database.setUpWALMode`): the writer, the one connection that commits, is set again.
            try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = \(durability.rawValue)") }
            try migrator.migrate(pool)
            return pool
        } catch {
            throw StorageError(path: path, reason: "\(error)")
        }
    }
}

extension DatabasePool {
    /// Closes the pool from a thread of its own. `close()` blocks until every access in flight has
    /// finished; called from an async context it held a thread of Swift's cooperative pool (two on
    /// 2 cores) while it waited, and with two services shutting down in one process (the test suite
    /// run in parallel) both threads waited on accesses that needed one of them to finish: a hang.
    public func closeOffCooperativePool() async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            Thread {
                do {
                    try self.close()
                    done.resume()
                } catch {
                    done.resume(throwing: error)
                }
            }.start()
        }
    }
}

extension DatabaseWriter {
    /// Runs `body` in a `BEGIN IMMEDIATE` transaction on GRDB's writer queue, off the event loops.
    /// Immediate, because a deferred transaction that reads then writes can fail with SQLITE_BUSY
    /// that no busy timeout fixes (PITFALLS.md).
    public func writeImmediate<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }
}
