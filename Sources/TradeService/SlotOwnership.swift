import GRDB
import ServiceKit
import Synchronization

/// Which account slots (``AccountSlot``) this trade shard serves, and how: the shard's answer to
/// "is this account mine?", asked for every request (``ShardMiddleware``) and again inside every
/// order's write transaction (``Ledger``), so that an order queued before a slot froze cannot
/// commit after its account was exported.
final class SlotOwnership: Sendable {
    enum State: String, Sendable {
        /// Another shard's (or nobody's yet, on a destination before `adopt`): refused with 421.
        case notOwned
        /// Served.
        case owned
        /// Being moved out: reads are served, writes refused with 503 and `Retry-After`.
        case frozen
        /// Moved out: everything refused with 503 and `Retry-After` until the gateways route the
        /// slot to its new shard (a gateway with the old map may still send it here).
        case released
    }

    private let states: Mutex<[State]>

    /// A shard owning `owned` (`TRADE_SLOTS`).
    init(owned: SlotSet) {
        states = Mutex((0..<AccountSlot.count).map { owned.contains($0) ? .owned : .notOwned })
    }

    /// The state of `userID`'s slot.
    func state(of userID: Int64) -> State {
        let slot = AccountSlot.of(userID: userID)
        return states.withLock { $0[slot] }
    }

    /// The state of `slot`.
    func state(ofSlot slot: Int) -> State { states.withLock { $0[slot] } }

    /// Throws unless this shard may serve a request of `userID` (`write`: one that changes the account).
    func check(userID: Int64, write: Bool) throws(ShardRejection) {
        let slot = AccountSlot.of(userID: userID)
        switch states.withLock({ $0[slot] }) {
        case .owned: return
        case .frozen where !write: return
        case .frozen, .released: throw .slotMoving(slot: slot)
        case .notOwned: throw .wrongShard(slot: slot)
        }
    }

    /// Moves every slot of `slots` from one of `from` to `to`; changes nothing and names the first
    /// slot in another state otherwise.
    func transition(_ slots: SlotSet, from: Set<State>, to: State) -> Int? {
        states.withLock { states in
            if let bad = slots.slots.first(where: { !from.contains(states[$0]) }) { return bad }
            for slot in slots.slots { states[slot] = to }
            return nil
        }
    }

    /// The slots in `state`.
    func slots(in state: State) -> SlotSet {
        states.withLock { states in
            var set = SlotSet()
            for slot in states.indices where states[slot] == state { set.insert(slot) }
            return set
        }
    }

    /// Sets every slot's state (at start, from the database).
    func replace(with states: [State]) {
        precondition(states.count == AccountSlot.count)
        self.states.withLock { $0 = states }
    }

    // MARK: - Stored

    /// The states live in the shard's own file (a table without `user_id`, so never exported): after
    /// a slot move the database, not `TRADE_SLOTS`, knows which accounts it holds, and a restart
    /// with a stale `TRADE_SLOTS` must not serve moved accounts from stale rows.
    static let tableSQL = """
        CREATE TABLE IF NOT EXISTS shard_slots (
            slot INTEGER PRIMARY KEY CHECK (slot >= 0 AND slot < \(AccountSlot.count)),
            state TEXT NOT NULL CHECK (state IN ('owned', 'frozen', 'released'))
        ) STRICT
        """

    /// The stored states, or on a new database `configured` (every slot when `nil`) stored now.
    /// Throws when `configured` is given and disagrees with what the database holds.
    static func load(_ db: Database, configured: SlotSet?) throws -> [State] {
        try db.execute(sql: tableSQL)
        let rows = try Row.fetchAll(db, sql: "SELECT slot, state FROM shard_slots")
        if rows.isEmpty {
            let owned = configured ?? .all
            var states = [State](repeating: .notOwned, count: AccountSlot.count)
            for slot in owned.slots { states[slot] = .owned }
            // A shard created with no slot (`none`) stores nothing and stays new until a move.
            try store(db, states: states, slots: owned)
            return states
        }
        var states = [State](repeating: .notOwned, count: AccountSlot.count)
        var held = SlotSet()
        for row in rows {
            let slot: Int = row["slot"]
            guard let state = State(rawValue: row["state"]) else { continue }
            states[slot] = state
            if state == .owned || state == .frozen { held.insert(slot) }
        }
        if let configured, configured != held {
            throw StoredSlotsDisagree(held: held)
        }
        return states
    }

    /// Writes the current state of `slots` (in the caller's transaction).
    static func store(_ db: Database, states: [State], slots: SlotSet) throws {
        for slot in slots.slots {
            if states[slot] == .notOwned {
                try db.execute(sql: "DELETE FROM shard_slots WHERE slot = ?", arguments: [slot])
            } else {
                try db.execute(sql: "INSERT OR REPLACE INTO shard_slots (slot, state) VALUES (?, ?)",
                               arguments: [slot, states[slot].rawValue])
            }
        }
    }

    /// Stores the current state of `slots`.
    func store(_ db: Database, slots: SlotSet) throws {
        try Self.store(db, states: states.withLock { $0 }, slots: slots)
    }

    struct StoredSlotsDisagree: Error, CustomStringConvertible {
        let held: SlotSet
        var description: String {
            "disagrees with the database, which holds slots \(held.isEmpty ? "none" : held.description) (after a slot move); set TRADE_SLOTS to that, or leave it unset"
        }
    }
}
