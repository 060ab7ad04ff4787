@testable import AuthService
import Foundation
import TestSupport
import Testing

/// The login lockout as the handler uses it (its table is `LoginFailureTableTests`): an injected
/// clock, the lockout after `maxFailures`, a `Retry-After` that counts down, a bounded table, and
/// the reservation, under one lock, that counts parallel attempts before their slow hash.
@Suite struct LoginLimiterTests {
    static let t0 = Date(timeIntervalSinceReferenceDate: 2_000_000)
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
    static func key(_ name: String) -> LoginLimiter.Key { LoginLimiter.Key(lowercasedUsername: name) }

    /// A reserved attempt whose password was wrong.
    static func fail(_ limiter: LoginLimiter, _ key: LoginLimiter.Key, at seconds: Double) -> LoginLimiter.Decision {
        let decision = limiter.reserve(key, now: at(seconds))
        if decision == .allowed { limiter.failed(key, now: at(seconds)) }
        return decision
    }

    @Test func theNthFailureLocksAndRetryAfterCountsDownToTheWindowsEnd() {
        let limiter = LoginLimiter(maxFailures: 5, windowSeconds: 300, entriesMax: 100)
        let victim = Self.key("victim")
        for second in 0..<5 { #expect(Self.fail(limiter, victim, at: Double(second)) == .allowed, "failure \(second + 1)") }
        // The oldest failure (t=0) leaves the window at t=300.
        #expect(limiter.reserve(victim, now: Self.at(5)) == .locked(retryAfterSeconds: 295))
        #expect(limiter.reserve(victim, now: Self.at(100.2)) == .locked(retryAfterSeconds: 200), "199.8 s rounds up")
        #expect(limiter.reserve(victim, now: Self.at(299.5)) == .locked(retryAfterSeconds: 1), "never 0")
        // At t=300 one failure has left the window: one more attempt is allowed, and failing it locks again
        // until the next oldest (t=1) leaves.
        #expect(Self.fail(limiter, victim, at: 300) == .allowed)
        #expect(limiter.reserve(victim, now: Self.at(300)) == .locked(retryAfterSeconds: 1))
        #expect(limiter.reserve(victim, now: Self.at(301)) == .allowed)
    }

    @Test func lockedAttemptsAreNotCountedAndOtherUsersAreNotLocked() {
        let limiter = LoginLimiter(maxFailures: 2, windowSeconds: 60, entriesMax: 100)
        let victim = Self.key("victim")
        for second in 0..<2 { _ = Self.fail(limiter, victim, at: Double(second)) }
        for second in 2..<50 {
            guard case .locked = limiter.reserve(victim, now: Self.at(Double(second))) else {
                Issue.record("unlocked at \(second)")
                return
            }
        }
        // Had the locked attempts counted, the lockout would now run to t=109.
        #expect(limiter.reserve(victim, now: Self.at(61)) == .allowed)
        #expect(limiter.reserve(Self.key("someone-else"), now: Self.at(10)) == .allowed)
    }

    @Test func aSuccessClearsTheFailuresAndAReleaseDoesNotCount() {
        let limiter = LoginLimiter(maxFailures: 3, windowSeconds: 60, entriesMax: 100)
        let user = Self.key("user")
        for second in 0..<2 { _ = Self.fail(limiter, user, at: Double(second)) }
        #expect(limiter.reserve(user, now: Self.at(2)) == .allowed)
        limiter.release(user, now: Self.at(2))  // the hash pool refused it: no answer, no count
        #expect(limiter.reserve(user, now: Self.at(3)) == .allowed)
        limiter.succeeded(user, now: Self.at(3))
        #expect(limiter.count == 0, "a success leaves no entry")
        for second in 4..<6 { #expect(Self.fail(limiter, user, at: Double(second)) == .allowed) }
        #expect(Self.fail(limiter, user, at: 6) == .allowed, "three new failures allowed after the success")
        #expect(limiter.reserve(user, now: Self.at(7)) == .locked(retryAfterSeconds: 57))
    }

    /// Parallel guesses all reserve before any is answered (as during a slow scrypt): exactly
    /// `maxFailures` get to check a password; the rest are told to come back.
    @Test func parallelAttemptsGetAtMostMaxFailuresAnswers() async {
        let limiter = LoginLimiter(maxFailures: 5, windowSeconds: 300, entriesMax: 100)
        let victim = Self.key("victim")
        let allowed = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    if limiter.reserve(victim, now: Self.at(0)) == .allowed { allowed.increment() }
                }
            }
        }
        #expect(allowed.value == 5)
        // While the five are in flight, the next is told to retry in a second (they end soon).
        #expect(limiter.reserve(victim, now: Self.at(0.5)) == .locked(retryAfterSeconds: 1))
        for _ in 0..<5 { limiter.failed(victim, now: Self.at(1)) }
        #expect(limiter.reserve(victim, now: Self.at(1)) == .locked(retryAfterSeconds: 300))
    }

    /// `LOGIN_LIMITER_ENTRIES_MAX`: the table never holds more usernames than its bound, and a flood
    /// of new names does not lift a lockout.
    @Test func theTableIsBoundedInEntries() {
        let limiter = LoginLimiter(maxFailures: 3, windowSeconds: 600, entriesMax: 50)
        let victim = Self.key("victim")
        for second in 0..<3 { _ = Self.fail(limiter, victim, at: Double(second)) }
        for index in 0..<1_000 {
            _ = Self.fail(limiter, Self.key("name-\(index)"), at: 3 + Double(index) / 100)
            guard limiter.count <= 50 else {
                Issue.record("\(limiter.count) entries after \(index + 1) names")
                return
            }
        }
        #expect(limiter.count == 50)
        #expect(limiter.reserve(victim, now: Self.at(20)) != .allowed, "still locked")
    }
}
