import Foundation
import GRDB
import ServiceKit

/// The accounts of some slots as rows, to copy them from one trade shard to another.
///
/// Generic on purpose: every table with a `user_id` column is exported, whatever tables the trade
/// service grows, in an order where a table comes after those its foreign keys name. A value keeps
/// its SQLite type exactly (`i` integer, `r` real, `t` text, `b` base64 blob, JSON null). Primary
/// keys travel as they are, so ids a user has seen (transactions, stored idempotent answers) stay
/// the same on the new shard.
struct SlotExport: Codable, Sendable, Equatable {
    struct Table: Codable, Sendable, Equatable {
        var name: String
        var columns: [String]
        /// Sorted, so that two exports of the same accounts are equal whatever the row order.
        var rows: [[String?]]
    }

    /// The slots exported, as ``SlotSet`` writes them.
    var slots: String
    /// The users whose rows are here, ascending.
    var users: [Int64]
    var tables: [Table]
}

/// Reads and writes ``SlotExport``s.
enum SlotTransfer {
    /// Space left above the largest imported id before this shard allocates again: the shard the
    /// rows came from keeps allocating from where they stopped, and would have to hand out 2^36 more
    /// ids before one could equal an id allocated here (import refuses a collision anyway).
    static let idGap: Int64 = 1 << 36

    /// The tables with a `user_id` column, referenced tables first.
    static func accountTables(_ db: Database) throws -> [(name: String, columns: [String])] {
        let names = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'
            ORDER BY name
            """)
        var tables: [String: [String]] = [:]
        var references: [String: Set<String>] = [:]
        for name in names {
            let columns = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [name])
                .map { $0["name"] as String }
            guard columns.contains("user_id") else { continue }
            tables[name] = columns
            references[name] = Set(try Row.fetchAll(db, sql: "SELECT \"table\" FROM pragma_foreign_key_list(?)",
                                                    arguments: [name]).map { $0["table"] as String })
        }
        var ordered: [(String, [String])] = []
        var placed: Set<String> = []
        while ordered.count < tables.count {
            let ready = tables.keys.sorted().filter { name in
                !placed.contains(name) && references[name, default: []].allSatisfy { $0 == name || placed.contains($0) || tables[$0] == nil }
            }
            // A cycle of references (none today) is exported in name order; import defers nothing, so
            // it would fail there and change nothing.
            let next = ready.isEmpty ? tables.keys.sorted().filter { !placed.contains($0) } : ready
            for name in next {
                ordered.append((name, tables[name]!))
                placed.insert(name)
            }
        }
        return ordered
    }

    /// The users with a row in any account table whose slot is in `slots`.
    static func users(_ db: Database, in slots: SlotSet, tables: [(name: String, columns: [String])]) throws -> [Int64] {
        var users: Set<Int64> = []
        for table in tables {
            for user in try Int64.fetchAll(db, sql: "SELECT DISTINCT user_id FROM \(quoted(table.name))")
            where slots.contains(AccountSlot.of(userID: user)) {
                users.insert(user)
            }
        }
        return users.sorted()
    }

    /// Every row of the accounts in `slots`.
    static func export(_ db: Database, slots: SlotSet) throws -> SlotExport {
        let tables = try accountTables(db)
        let users = try users(db, in: slots, tables: tables)
        var exported: [SlotExport.Table] = []
        for table in tables {
            var rows: [[String?]] = []
            let statement = try db.makeStatement(sql: "SELECT \(table.columns.map(quoted).joined(separator: ", ")) FROM \(quoted(table.name)) WHERE user_id = ?")
            for user in users {
                let cursor = try Row.fetchCursor(statement, arguments: [user])
                while let row = try cursor.next() { rows.append(row.databaseValues.map(encode)) }
            }
            exported.append(.init(name: table.name, columns: table.columns, rows: rows.sorted { $0.lexicographicallyPrecedes($1) { ($0 ?? "") < ($1 ?? "") } }))
        }
        return SlotExport(slots: slots.description, users: users, tables: exported)
    }

    /// Replaces whatever this shard holds of `export`'s users (stale rows of an earlier stay) with
    /// the export's rows, in the caller's transaction; throws (and the caller rolls back) on a
    /// table or column this shard does not have, a user outside the slots, or a key collision.
    static func `import`(_ export: SlotExport, slots: SlotSet, into db: Database) throws {
        let tables = try accountTables(db)
        let known = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0.columns) })
        for user in export.users where !slots.contains(AccountSlot.of(userID: user)) {
            throw TransferError("user \(user) is in slot \(AccountSlot.of(userID: user)), not in \(slots)")
        }
        for table in export.tables {
            guard let columns = known[table.name] else { throw TransferError("this shard has no table \(table.name)") }
            guard Set(table.columns).isSubset(of: Set(columns)), table.columns.contains("user_id") else {
                throw TransferError("table \(table.name): columns \(table.columns) do not fit \(columns)")
            }
        }
        // Children first, so that deleting stale rows never trips a foreign key.
        for table in tables.reversed() {
            for user in export.users {
                try db.execute(sql: "DELETE FROM \(quoted(table.name)) WHERE user_id = ?", arguments: [user])
            }
        }
        let order = Dictionary(uniqueKeysWithValues: tables.enumerated().map { ($1.name, $0) })
        for table in export.tables.sorted(by: { order[$0.name]! < order[$1.name]! }) {
            let userColumn = table.columns.firstIndex(of: "user_id")!
            let statement = try db.makeStatement(sql: """
                INSERT INTO \(quoted(table.name)) (\(table.columns.map(quoted).joined(separator: ", ")))
                VALUES (\(table.columns.map { _ in "?" }.joined(separator: ", ")))
                """)
            var largestID: Int64 = 0
            for row in table.rows {
                guard row.count == table.columns.count else { throw TransferError("table \(table.name): a row of \(row.count) values") }
                let values = try row.map(decode)
                guard case .int64(let user) = values[userColumn].storage, export.users.contains(user) else {
                    throw TransferError("table \(table.name): a row of a user the export does not list")
                }
                do {
                    try statement.execute(arguments: StatementArguments(values))
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw TransferError("table \(table.name): \(error.message ?? "constraint") (an id this shard already uses?)")
                }
                largestID = max(largestID, db.lastInsertedRowID)
            }
            if largestID > 0 {  // only AUTOINCREMENT tables have a row in sqlite_sequence
                try db.execute(sql: "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?",
                               arguments: [largestID + idGap, table.name])
            }
        }
    }

    /// Starts every empty `AUTOINCREMENT` table of a new shard at `base`, so that shards hand out
    /// different ids and an account moved keeps its ids (`TRADE_SLOTS` not starting at 0).
    static func seedSequences(_ db: Database, base: Int64) throws {
        guard base > 0 else { return }
        let tables = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'
            """)
        for table in tables {
            let used = try Bool.fetchOne(db, sql: "SELECT 1 FROM sqlite_sequence WHERE name = ?", arguments: [table]) ?? false
            let empty = try Int64.fetchOne(db, sql: "SELECT count(*) FROM \(quoted(table))") == 0
            if !used && empty {
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", arguments: [table, base])
            }
        }
    }

    struct TransferError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static func encode(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: nil
        case .int64(let number): "i\(number)"
        case .double(let number): "r\(number)"
        case .string(let text): "t" + text
        case .blob(let data): "b" + data.base64EncodedString()
        }
    }

    static func decode(_ text: String?) throws -> DatabaseValue {
        guard let text, let kind = text.first else { return .null }
        let rest = String(text.dropFirst())
        switch kind {
        case "i": if let number = Int64(rest) { return number.databaseValue }
        case "r": if let number = Double(rest) { return number.databaseValue }
        case "t": return rest.databaseValue
        case "b": if let data = Data(base64Encoded: rest) { return data.databaseValue }
        default: break
        }
        throw TransferError("value \"\(text.prefix(40))\" is not i, r, t or b followed by its value")
    }
}
