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

    /// Checks the lockout and, when the attempt may proceed, reserves it, in one step under the lock:
    /// the password check that follows takes tens of milliseconds, and parallel guesses must not all
    /// pass a check made before any of them was counted. Failures plus attempts in flight never pass
    /// `LOGIN_MAX_FAILURES`. A locked attempt is not itself counted. Every `.allowed` must be ended by
    /// exactly one of ``failed(_:)``, ``succeeded(_:)`` or ``release(_:)``.
    func reserve(_ key: Key, now: Date = Date()) -> Decision {
        table.withLock { $0.reserve(key, now: now) }
    }

    /// Usernames with an entry now (tests check the bound).
    var count: Int { table.withLock { $0.count } }

    /// The reserved attempt's password was wrong (or its user unknown): it counts as a failure.
    func failed(_ key: Key, now: Date = Date()) {
        table.withLock { $0.fail(key, now: now) }
    }

    /// The reserved attempt logged in: the failures are cleared.
    func succeeded(_ key: Key, now: Date = Date()) {
        table.withLock { $0.succeed(key, now: now) }
    }

    /// The reserved attempt got no answer about the password (the hash pool refused it, storage
    /// failed): no guess was answered, so it does not count.
    func release(_ key: Key, now: Date = Date()) {
        table.withLock { $0.release(key, now: now) }
    }
}
