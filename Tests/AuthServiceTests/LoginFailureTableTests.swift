@testable import AuthService
import Foundation
import Testing

/// The login limiter's table with an injected clock (issue 22, item 2): keys of fixed size whatever
/// the username, a bound in entries, the least recently failed entry evicted (unlocked ones first),
/// expired entries pruned, never a wipe; and the reservation that counts an attempt before scrypt.
@Suite struct LoginFailureTableTests {
    typealias Table = LoginFailureTable
    static let t0 = Date(timeIntervalSinceReferenceDate: 1_000_000)

    static func key(_ name: String) -> Table.Key { Table.Key(lowercasedUsername: name.lowercased()) }
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// One failed login at `now`: reserved, then failed; the reservation's decision.
    @discardableResult
    static func failure(_ table: inout Table, _ key: Table.Key, _ now: Date) -> Table.Decision {
        let decision = table.reserve(key, now: now)
        if decision == .allowed { table.fail(key, now: now) }
        return decision
    }

    @Test func aKeyIs32BytesWhateverTheUsernameAndCaseDoesNotMatter() {
        #expect(MemoryLayout<Table.Key>.size == 32)
        let huge = String(repeating: "a", count: 1 << 20)
        #expect(Self.key(huge) == Self.key(huge.uppercased()))
        #expect(Self.key(huge) != Self.key(huge + "b"))
        #expect(Self.key("Grace") == Self.key("gRACE") && Self.key("grace") != Self.key("grace2"))
    }

    @Test func theLimitIsReachedThenTheLockoutSaysHowLongAndAReleaseGivesAnAttemptBack() {
        var table = Table(maxFailures: 3, windowSeconds: 60, entriesMax: 10)
        let victim = Self.key("victim")
        for second in 0..<2 { #expect(Self.failure(&table, victim, Self.at(Double(second))) == .allowed) }
        #expect(table.reserve(victim, now: Self.at(2)) == .allowed)
        table.release(victim, now: Self.at(2))
        #expect(table.failures(victim).count == 2, "a released attempt is not counted")
        #expect(Self.failure(&table, victim, Self.at(3)) == .allowed)
        #expect(table.reserve(victim, now: Self.at(10)) == .locked(retryAfterSeconds: 50))
        #expect(table.failures(victim).count == 3, "a locked attempt is not counted")
        #expect(table.reserve(victim, now: Self.at(60)) == .allowed, "the oldest failure left the window")
        table.succeed(victim, now: Self.at(60))
        #expect(table.failures(victim).isEmpty && table.count == 0, "a success clears the entry")
    }

    @Test func attemptsInFlightCountBeforeTheirAnswer() {
        var table = Table(maxFailures: 3, windowSeconds: 60, entriesMax: 10)
        let victim = Self.key("victim")
        // Three parallel attempts reserve the whole allowance; a fourth waits for them (Retry-After 1).
        for _ in 0..<3 { #expect(table.reserve(victim, now: Self.at(0)) == .allowed) }
        #expect(table.reserve(victim, now: Self.at(0)) == .locked(retryAfterSeconds: 1))
        // One succeeds: the failures are cleared, but the two others in flight still count.
        table.succeed(victim, now: Self.at(1))
        #expect(table.reserve(victim, now: Self.at(1)) == .allowed)
        #expect(table.reserve(victim, now: Self.at(1)) == .locked(retryAfterSeconds: 1))
        for _ in 0..<3 { table.fail(victim, now: Self.at(2)) }
        #expect(table.reserve(victim, now: Self.at(3)) == .locked(retryAfterSeconds: 59))
    }

    @Test func aFullTableEvictsTheLeastRecentlyFailedEntryNeverAll() {
        var table = Table(maxFailures: 5, windowSeconds: 60, entriesMax: 3)
        for (second, name) in ["a", "b", "c"].enumerated() { Self.failure(&table, Self.key(name), Self.at(Double(second))) }
        Self.failure(&table, Self.key("a"), Self.at(3))  // a failed again: b is now the oldest
        Self.failure(&table, Self.key("d"), Self.at(4))
        #expect(table.count == 3)
        #expect(table.failures(Self.key("b")).isEmpty, "b was the least recently failed")
        #expect(table.failures(Self.key("a")).count == 2 && table.failures(Self.key("c")).count == 1)
        #expect(table.failures(Self.key("d")).count == 1)
    }

    @Test func aFloodOfInventedNamesCannotLiftALockout() {
        var table = Table(maxFailures: 5, windowSeconds: 60, entriesMax: 1000)
        let victim = Self.key("victim")
        for attempt in 0..<5 { Self.failure(&table, victim, Self.at(Double(attempt) / 10)) }
        for name in 0..<100_000 {
            Self.failure(&table, Self.key("flood-\(name)-" + String(repeating: "x", count: 100)), Self.at(1 + Double(name) / 10_000))
            #expect(table.count <= 1000)
        }
        #expect(table.count == 1000, "full, not wiped")
        if case .locked = table.reserve(victim, now: Self.at(20)) {} else { Issue.record("the victim's lockout was lifted") }
    }

    @Test func lockedEntriesAreEvictedOnlyWhenNothingElseIsLeft() {
        var table = Table(maxFailures: 2, windowSeconds: 60, entriesMax: 2)
        for name in ["a", "b"] {
            Self.failure(&table, Self.key(name), Self.at(0))
            Self.failure(&table, Self.key(name), Self.at(name == "a" ? 1 : 2))
        }
        Self.failure(&table, Self.key("c"), Self.at(3))
        #expect(table.count == 2)
        #expect(table.failures(Self.key("a")).isEmpty, "the least recently failed locked entry goes")
        #expect(table.failures(Self.key("b")).count == 2)
    }

    @Test func expiredEntriesArePrunedAsNewOnesArrive() {
        var table = Table(maxFailures: 5, windowSeconds: 60, entriesMax: 100)
        for name in 0..<50 { Self.failure(&table, Self.key("old-\(name)"), Self.at(Double(name) / 100)) }
        #expect(table.count == 50)
        Self.failure(&table, Self.key("new"), Self.at(61))
        #expect(table.count == 1, "every entry a whole window old is gone")
    }
}
