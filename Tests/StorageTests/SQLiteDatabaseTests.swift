import Foundation
import GRDB
import Storage
import TestSupport
import Testing

/// How every service's SQLite file is opened: WAL, the asked `synchronous` level on the writer,
/// foreign keys, a busy timeout, migrations applied once; and writes that take the
/// write lock at `BEGIN` (PITFALLS.md: a deferred read-then-write can fail with SQLITE_BUSY).
@Suite struct SQLiteDatabaseTests {
    struct Rollback: Error {}

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT")
            try db.execute(sql: "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL REFERENCES parent(id)) STRICT")
            try db.execute(sql: "INSERT INTO parent (id) VALUES (1)")
        }
        return migrator
    }

    static func withFolder<T>(_ body: (TemporaryFolder) async throws -> T) async throws -> T {
        let folder = try TemporaryFolder("storage-tests")
        defer { folder.remove() }
        return try await body(folder)
    }

    /// `(durability, PRAGMA synchronous)`: FULL is 2, NORMAL is 1.
    static let levels: [(SQLiteDatabase.Durability, Int)] = [(.full, 2), (.normal, 1)]

    @Test(arguments: levels)
    func theWriterHasTheAskedDurabilityAndEveryConnectionWALAndForeignKeys(_ durability: SQLiteDatabase.Durability, _ synchronous: Int) async throws {
        try await Self.withFolder { folder in
            let pool = try SQLiteDatabase.open(path: folder.path + "/a.sqlite", durability: durability, busyTimeout: .seconds(5), migrator: Self.migrator)
            // The writer is the connection whose commits `synchronous` governs.
            let writer = try await pool.write(Self.settings)
            #expect(writer.journal == "wal")
            #expect(writer.synchronous == synchronous, "\(durability)")
            #expect(writer.foreignKeys == 1)
            #expect(writer.busyTimeoutMs == 5_000)
            let reader = try await pool.read(Self.settings)
            #expect(reader.journal == "wal")
            #expect(reader.foreignKeys == 1)
            #expect(reader.busyTimeoutMs > 0, "readers wait too (GRDB gives them 10 s)")
            await #expect(throws: DatabaseError.self, "foreign keys are enforced") {
                try await pool.write { try $0.execute(sql: "INSERT INTO child (id, parent) VALUES (1, 99)") }
            }
        }
    }

    @Sendable static func settings(_ db: Database) throws -> (journal: String, synchronous: Int, foreignKeys: Int, busyTimeoutMs: Int) {
        (try String.fetchOne(db, sql: "PRAGMA journal_mode")!, try Int.fetchOne(db, sql: "PRAGMA synchronous")!,
         try Int.fetchOne(db, sql: "PRAGMA foreign_keys")!, try Int.fetchOne(db, sql: "PRAGMA busy_timeout")!)
    }

    @Test func migrationsRunOnceAcrossOpens() async throws {
        try await Self.withFolder { folder in
            let path = folder.path + "/a.sqlite"
            for _ in 0..<3 {
                let pool = try SQLiteDatabase.open(path: path, durability: .full, busyTimeout: .seconds(5), migrator: Self.migrator)
                #expect(try await pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM parent") } == 1)
                try await pool.closeOffCooperativePool()
            }
        }
    }

    @Test func aFileThatCannotBeOpenedIsAnError() async throws {
        try await Self.withFolder { folder in
            #expect(throws: StorageError.self, "a missing directory") {
                try SQLiteDatabase.open(path: folder.path + "/missing/a.sqlite", durability: .full, busyTimeout: .seconds(5), migrator: Self.migrator)
            }
            let notADatabase = folder.path + "/text.sqlite"
            _ = FileManager.default.createFile(atPath: notADatabase, contents: Data(repeating: 0x41, count: 4096))
            #expect(throws: StorageError.self, "a file that is not SQLite") {
                try SQLiteDatabase.open(path: notADatabase, durability: .full, busyTimeout: .seconds(5), migrator: Self.migrator)
            }
        }
    }

    @Test func writeImmediateCommitsOrRollsBackWhole() async throws {
        try await Self.withFolder { folder in
            let pool = try SQLiteDatabase.open(path: folder.path + "/a.sqlite", durability: .full, busyTimeout: .seconds(5), migrator: Self.migrator)
            let id = try await pool.writeImmediate { db -> Int64 in
                try db.execute(sql: "INSERT INTO parent (id) VALUES (2)")
                return db.lastInsertedRowID
            }
            #expect(id == 2)
            await #expect(throws: Rollback.self) {
                try await pool.writeImmediate { db in
                    try db.execute(sql: "INSERT INTO parent (id) VALUES (3)")
                    throw Rollback()
                }
            }
            #expect(try await pool.read { try Int64.fetchAll($0, sql: "SELECT id FROM parent ORDER BY id") } == [1, 2])
        }
    }

    /// Before its body reads or writes anything, the transaction already holds the write lock: another
    /// connection (another process, in production) cannot start writing.
    @Test func writeImmediateHoldsTheWriteLockFromItsStart() async throws {
        try await Self.withFolder { folder in
            let path = folder.path + "/a.sqlite"
            let pool = try SQLiteDatabase.open(path: path, durability: .full, busyTimeout: .seconds(5), migrator: Self.migrator)
            let other = try DatabaseQueue(path: path)  // busy mode: fail at once
            let otherCouldWrite = try await pool.writeImmediate { _ -> Bool in
                do {
                    try other.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE; ROLLBACK") }
                    return true
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    return false
                }
            }
            #expect(!otherCouldWrite)
            try other.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE; ROLLBACK") }  // free again afterwards
        }
    }
}
