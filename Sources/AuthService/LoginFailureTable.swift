import Crypto
import Foundation

/// The login limiter's table: recent failures per username key, bounded in entries, with the
/// least recently active entries evicted first and never a wholesale wipe (issue 22, item 2).
///
/// Memory: a key is the SHA-256 of the lower-cased username (32 bytes inline, whatever the name's
/// length), an entry keeps at most `maxFailures` times, so the table's bytes are bounded by
/// `entriesMax × (32 + 8 × maxFailures + overhead)` (about 200 bytes an entry at the defaults).
///
/// An attempt is reserved before its password is checked (`inFlight`), and the failures plus the
/// attempts in flight may not pass `maxFailures`: N parallel guesses get at most `maxFailures`
/// answers (issue 22, item 3). A success clears the failures but not the other attempts in flight,
/// which count as failures when they fail.
///
/// Entries sit on one of two lists ordered by last activity (reservation or failure): *counting* (fewer than `maxFailures`
/// failures) and *locked*. A new key, when the table is full, evicts the oldest counting entry, and
/// a locked one only when nothing else is left: a flood of invented names cannot lift a victim's
/// lockout unless it locks more names than the table holds. Entries whose last failure is a whole
/// window old are pruned from the lists' heads as new ones arrive.
struct LoginFailureTable {
    /// SHA-256 of a lower-cased username.
    struct Key: Hashable, Sendable {
        let words: (UInt64, UInt64, UInt64, UInt64)

        /// The key of `lowercasedUsername` (the caller lower-cases: the same text is the database's key).
        init(lowercasedUsername: String) {
            let digest = SHA256.hash(data: Array(lowercasedUsername.utf8))
            words = digest.withUnsafeBytes { raw in
                (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                 raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
            }
        }

        static func == (a: Key, b: Key) -> Bool { a.words == b.words }

        func hash(into hasher: inout Hasher) {
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
        }
    }

    enum Decision: Equatable {
        case allowed
        /// Locked out for this many more whole seconds (at least 1).
        case locked(retryAfterSeconds: Int)
    }

    private enum List: Int { case counting = 0, locked = 1 }

    private struct Slot {
        var key: Key
        /// Failure times inside the window, oldest first; with `inFlight`, at most `maxFailures`.
        var failures: [Date]
        /// Attempts reserved and not yet answered.
        var inFlight: Int
        /// The last reservation or failure: the lists' order.
        var lastActive: Date
        var list: List
        var previous: Int32
        var next: Int32
    }

    private static let none: Int32 = -1

    let maxFailures: Int
    let window: TimeInterval
    let entriesMax: Int
    private var index: [Key: Int32] = [:]
    private var slots: [Slot] = []
    private var freeSlots: [Int32] = []
    private var heads: [Int32] = [none, none]
    private var tails: [Int32] = [none, none]

    init(maxFailures: Int, windowSeconds: Int, entriesMax: Int) {
        self.maxFailures = maxFailures
        self.window = TimeInterval(windowSeconds)
        self.entriesMax = max(1, entriesMax)
    }

    /// How many keys are held.
    var count: Int { index.count }

    /// Locked, or allowed and reserved at `now` (see ``LoginLimiter/reserve(_:now:)``).
    mutating func reserve(_ key: Key, now: Date) -> Decision {
        pruneExpired(now: now)
        var (failures, inFlight) = take(key, now: now)
        if failures.count + inFlight >= maxFailures {
            insert(key, failures: failures, inFlight: inFlight, lastActive: now)
            guard failures.count >= maxFailures, let oldest = failures.first else {
                return .locked(retryAfterSeconds: 1)  // attempts in flight fill the allowance: they end soon
            }
            let remaining = oldest.addingTimeInterval(window).timeIntervalSince(now)
            return .locked(retryAfterSeconds: max(1, Int(remaining.rounded(.up))))
        }
        inFlight += 1
        insert(key, failures: failures, inFlight: inFlight, lastActive: now)
        return .allowed
    }

    /// A reserved attempt failed at `now`: it counts.
    mutating func fail(_ key: Key, now: Date) {
        var (failures, inFlight) = take(key, now: now)
        inFlight = max(0, inFlight - 1)
        failures.append(now)
        if failures.count > maxFailures { failures.removeFirst(failures.count - maxFailures) }
        insert(key, failures: failures, inFlight: inFlight, lastActive: now)
    }

    /// A reserved attempt succeeded: the failures are forgotten (other attempts in flight still count).
    mutating func succeed(_ key: Key, now: Date) {
        let (_, inFlight) = take(key, now: now)
        if inFlight > 1 { insert(key, failures: [], inFlight: inFlight - 1, lastActive: now) }
    }

    /// A reserved attempt got no answer about the password: it does not count.
    mutating func release(_ key: Key, now: Date) {
        let (failures, inFlight) = take(key, now: now)
        if !failures.isEmpty || inFlight > 1 {
            insert(key, failures: failures, inFlight: max(0, inFlight - 1), lastActive: now)
        }
    }

    /// Removes `key`'s entry, if any: its failures inside the window and its attempts in flight.
    private mutating func take(_ key: Key, now: Date) -> (failures: [Date], inFlight: Int) {
        guard let slot = index[key] else { return ([], 0) }
        var failures = slots[Int(slot)].failures
        failures.removeAll { now.timeIntervalSince($0) >= window }
        let inFlight = slots[Int(slot)].inFlight
        remove(slot)
        return (failures, inFlight)
    }

    /// The failures counted for `key` (tests).
    func failures(_ key: Key) -> [Date] {
        index[key].map { slots[Int($0)].failures } ?? []
    }

    // MARK: lists

    /// Adds `key` as the most recently active entry, evicting one first when the table is full.
    private mutating func insert(_ key: Key, failures: [Date], inFlight: Int, lastActive: Date) {
        if index.count >= entriesMax { evictOne() }
        let list: List = failures.count >= maxFailures ? .locked : .counting
        let entry = Slot(key: key, failures: failures, inFlight: inFlight, lastActive: lastActive, list: list,
                         previous: tails[list.rawValue], next: Self.none)
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(slot)] = entry
        } else {
            slot = Int32(slots.count)
            slots.append(entry)
        }
        if tails[list.rawValue] != Self.none { slots[Int(tails[list.rawValue])].next = slot } else { heads[list.rawValue] = slot }
        tails[list.rawValue] = slot
        index[key] = slot
    }

    private mutating func remove(_ slot: Int32) {
        let entry = slots[Int(slot)]
        let list = entry.list.rawValue
        if entry.previous != Self.none { slots[Int(entry.previous)].next = entry.next } else { heads[list] = entry.next }
        if entry.next != Self.none { slots[Int(entry.next)].previous = entry.previous } else { tails[list] = entry.previous }
        index[entry.key] = nil
        slots[Int(slot)].failures = []
        freeSlots.append(slot)
    }

    /// Drops the least recently active entry: a counting one if there is any.
    private mutating func evictOne() {
        let head = heads[List.counting.rawValue] != Self.none ? heads[List.counting.rawValue] : heads[List.locked.rawValue]
        if head != Self.none { remove(head) }
    }

    /// Drops entries last active a whole window ago: the lists are in that order, so they are at the
    /// heads. Their failures have all left the window, and an attempt in flight that long has been
    /// dropped by the pool (its answer, if any, re-creates the entry). Amortised O(1) per call.
    private mutating func pruneExpired(now: Date) {
        for list in [List.counting, .locked] {
            while heads[list.rawValue] != Self.none,
                  now.timeIntervalSince(slots[Int(heads[list.rawValue])].lastActive) >= window {
                remove(heads[list.rawValue])
            }
        }
    }
}
