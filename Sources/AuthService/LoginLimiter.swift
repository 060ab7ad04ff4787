import Foundation
import Synchronization

/// The login lockout (API.md "Auth"): failures per lower-cased username, existing or not, over a
/// sliding window. Kept in memory: a restart forgets lockouts, which at worst gives an attacker
/// one more window of attempts per restart; the table is bounded so invented usernames cannot
/// exhaust memory.
final class LoginLimiter: Sendable {
    enum Decision: Equatable {
        case allowed
        /// Locked out for this many more whole seconds (at least 1).
        case locked(retryAfterSeconds: Int)
    }

    private let maxFailures: Int
    private let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])
    private static let usernamesMax = 100_000

    init(maxFailures: Int, windowSeconds: Int) {
        self.maxFailures = maxFailures
        self.window = TimeInterval(windowSeconds)
    }

    /// Whether an attempt may proceed. A locked attempt is not itself counted.
    func check(_ key: String, now: Date = Date()) -> Decision {
        failures.withLock { table in
            guard var times = table[key] else { return .allowed }
            times.removeAll { now.timeIntervalSince($0) >= window }
            table[key] = times.isEmpty ? nil : times
            guard times.count >= maxFailures, let oldest = times.first else { return .allowed }
            let remaining = oldest.addingTimeInterval(window).timeIntervalSince(now)
            return .locked(retryAfterSeconds: max(1, Int(remaining.rounded(.up))))
        }
    }

    /// Counts a failed attempt.
    func recordFailure(_ key: String, now: Date = Date()) {
        failures.withLock { table in
            if table.count >= Self.usernamesMax && table[key] == nil {
                table = table.filter { $0.value.contains { now.timeIntervalSince($0) < window } }
                if table.count >= Self.usernamesMax { table.removeAll() }
            }
            table[key, default: []].append(now)
        }
    }

    /// Clears the count after a successful login.
    func recordSuccess(_ key: String) {
        _ = failures.withLock { $0.removeValue(forKey: key) }
    }
}
