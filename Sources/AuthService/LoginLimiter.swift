import Foundation
import Synchronization

/// The login lockout (API.md "Auth"): failures per lower-cased username, existing or not, over a
/// sliding window. Kept in memory: a restart forgets lockouts, which at worst gives an attacker
/// one more window of attempts per restart. The table (``LoginFailureTable``) is bounded in entries
/// and bytes, and evicts the least recently failed entries, unlocked ones first; it is never wiped.
final class LoginLimiter: Sendable {
    typealias Decision = LoginFailureTable.Decision
    typealias Key = LoginFailureTable.Key

    private let table: Mutex<LoginFailureTable>

    init(maxFailures: Int, windowSeconds: Int, entriesMax: Int) {
        table = Mutex(LoginFailureTable(maxFailures: maxFailures, windowSeconds: windowSeconds, entriesMax: entriesMax))
    }

    /// Checks the lockout and, when the attempt may proceed, counts it as a failure at once, in one
    /// step under the lock: the password check that follows takes tens of milliseconds, and parallel
    /// guesses must not all pass a check made before any of them was counted. A locked attempt is
    /// not itself counted. A login that succeeds clears the count (``recordSuccess(_:)``); one never
    /// answered gives its reservation back (``release(_:reservedAt:)``).
    func reserve(_ key: Key, now: Date = Date()) -> Decision {
        table.withLock { $0.reserve(key, now: now) }
    }

    /// Gives back the reservation made at `reservedAt` for an attempt that got no answer about the
    /// password (the hash pool refused it, storage failed): no guess was answered.
    func release(_ key: Key, reservedAt: Date) {
        table.withLock { $0.release(key, at: reservedAt) }
    }

    /// Clears the count after a successful login.
    func recordSuccess(_ key: Key) {
        table.withLock { $0.clear(key) }
    }
}
