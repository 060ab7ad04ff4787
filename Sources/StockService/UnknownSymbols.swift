import Foundation
import Synchronization

/// The negative cache: symbols the provider said it does not know, remembered for the quote TTL so
/// that asking again costs no provider call (a client can name millions of well-formed symbols).
///
/// Bounded by `entriesMax`; every entry lives equally long, so insertion order is expiry order and
/// the oldest entry is the one evicted when full. It is never cleared as a whole.
final class UnknownSymbols: Sendable {
    private struct State {
        /// Symbol → when its entry expires.
        var expiries: [String: Date] = [:]
        /// Symbols in insertion order, `head` the oldest; an entry whose symbol was re-inserted or
        /// removed since is stale and skipped when it reaches the head.
        var order: [(symbol: String, expires: Date)] = []
        var head = 0

        var queued: Int { order.count - head }

        mutating func popOldest() {
            let entry = order[head]
            head += 1
            if expiries[entry.symbol] == entry.expires { expiries[entry.symbol] = nil }
            // Compact once the consumed prefix dominates, so `order` stays within 2 × entriesMax.
            if head > 64 && head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }

    private let state = Mutex(State())
    private let entriesMax: Int
    private let ttl: TimeInterval

    /// - Parameters:
    ///   - entriesMax: `UNKNOWN_SYMBOLS_MAX`.
    ///   - ttlSeconds: how long an entry counts (the quote TTL; 0 remembers nothing).
    init(entriesMax: Int, ttlSeconds: TimeInterval) {
        precondition(entriesMax > 0)
        self.entriesMax = entriesMax
        self.ttl = ttlSeconds
    }

    /// Whether `symbol` was found unknown less than the TTL ago.
    func contains(_ symbol: String, now: Date) -> Bool {
        state.withLock { state in
            guard let expires = state.expiries[symbol] else { return false }
            return now < expires
        }
    }

    /// Remembers that the provider does not know `symbol`.
    func insert(_ symbol: String, now: Date) {
        guard ttl > 0 else { return }
        let expires = now.addingTimeInterval(ttl)
        state.withLock { state in
            while state.queued > 0, state.order[state.head].expires <= now { state.popOldest() }
            while state.queued >= entriesMax { state.popOldest() }
            state.expiries[symbol] = expires
            state.order.append((symbol, expires))
        }
    }

    /// Forgets `symbol` (the provider now knows it).
    func remove(_ symbol: String) {
        _ = state.withLock { $0.expiries.removeValue(forKey: symbol) }
    }

    /// Symbols remembered now, expired ones not yet dropped included (tests check the bound).
    var count: Int { state.withLock { $0.expiries.count } }
}
