import Foundation
import GRDB
import ServiceKit
import Storage
import Synchronization

/// A registered user as stored.
struct User: Sendable, Equatable {
    var id: Int64
    var username: String
    var passwordHash: String
    var createdAt: String
}

/// Users in the auth service's own SQLite file. Usernames are unique case-insensitively through
/// a UNIQUE column holding the lower-cased name; money-grade durability (`synchronous=FULL`).
final class UserStore: Sendable {
    private let database: DatabasePool
    /// Users by id. Users never change once registered (the API has no update or delete), so
    /// `GET /auth/me`, the hot read, is served from memory after the first lookup. Bounded.
    private let byID = Mutex<[Int64: User]>([:])
    private static let cachedUsersMax = 100_000

    /// A unique-constraint hit: someone else has the name.
    struct UsernameTaken: Error {}

    init(path: String, busyTimeout: Duration) throws(StorageError) {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-users") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    username TEXT NOT NULL,
                    username_key TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL
                ) STRICT
                """)
        }
        database = try SQLiteDatabase.open(path: path, durability: .full, busyTimeout: busyTimeout, migrator: migrator)
    }

    func find(usernameKey: String) async throws -> User? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE username_key = ?", arguments: [usernameKey]).map(Self.user)
        }
    }

    func find(id: Int64) async throws -> User? {
        if let cached = byID.withLock({ $0[id] }) { return cached }
        let user = try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user)
        }
        if let user { remember(user) }
        return user
    }

    private func remember(_ user: User) {
        byID.withLock { cache in
            if cache.count >= Self.cachedUsersMax { cache.removeAll(keepingCapacity: true) }
            cache[user.id] = user
        }
    }

    /// Inserts a user; throws ``UsernameTaken`` when the lower-cased name exists.
    func insert(username: String, passwordHash: String, createdAt: String) async throws -> User {
        do {
            return try await database.writeImmediate { db in
                try db.execute(sql: """
                    INSERT INTO users (username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?)
                    """, arguments: [username, username.lowercased(), passwordHash, createdAt])
                return User(id: db.lastInsertedRowID, username: username, passwordHash: passwordHash, createdAt: createdAt)
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw UsernameTaken()
        }
    }

    func close() throws { try database.close() }

    /// Closes without holding a thread of Swift's cooperative pool while accesses finish (shutdown).
    func closeFromTask() async throws { try await database.closeOffCooperativePool() }

    private static func user(_ row: Row) -> User {
        User(id: row["id"], username: row["username"], passwordHash: row["password_hash"], createdAt: row["created_at"])
    }
}
