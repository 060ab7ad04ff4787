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
        for second in 0..<3 { #expect(table.reserve(victim, now: Self.at(Double(second))) == .allowed) }
        #expect(table.reserve(victim, now: Self.at(10)) == .locked(retryAfterSeconds: 50))
        #expect(table.failures(victim).count == 3, "a locked attempt is not counted")
        table.release(victim, at: Self.at(2))
        #expect(table.reserve(victim, now: Self.at(11)) == .allowed, "the released attempt is given back")
        #expect(table.reserve(victim, now: Self.at(12)) == .locked(retryAfterSeconds: 48))
        #expect(table.reserve(victim, now: Self.at(60)) == .allowed, "the oldest failure left the window")
        table.clear(victim)
        #expect(table.failures(victim).isEmpty)
    }

    @Test func aFullTableEvictsTheLeastRecentlyFailedEntryNeverAll() {
        var table = Table(maxFailures: 5, windowSeconds: 60, entriesMax: 3)
        for (second, name) in ["a", "b", "c"].enumerated() { _ = table.reserve(Self.key(name), now: Self.at(Double(second))) }
        _ = table.reserve(Self.key("a"), now: Self.at(3))  // a failed again: b is now the oldest
        _ = table.reserve(Self.key("d"), now: Self.at(4))
        #expect(table.count == 3)
        #expect(table.failures(Self.key("b")).isEmpty, "b was the least recently failed")
        #expect(table.failures(Self.key("a")).count == 2 && table.failures(Self.key("c")).count == 1)
        #expect(table.failures(Self.key("d")).count == 1)
    }

    @Test func aFloodOfInventedNamesCannotLiftALockout() {
        var table = Table(maxFailures: 5, windowSeconds: 60, entriesMax: 1000)
        let victim = Self.key("victim")
        for attempt in 0..<5 { _ = table.reserve(victim, now: Self.at(Double(attempt) / 10)) }
        for name in 0..<100_000 {
            _ = table.reserve(Self.key("flood-\(name)-" + String(repeating: "x", count: 100)), now: Self.at(1 + Double(name) / 10_000))
            #expect(table.count <= 1000)
        }
        #expect(table.count == 1000, "full, not wiped")
        if case .locked = table.reserve(victim, now: Self.at(20)) {} else { Issue.record("the victim's lockout was lifted") }
    }

    @Test func lockedEntriesAreEvictedOnlyWhenNothingElseIsLeft() {
        var table = Table(maxFailures: 2, windowSeconds: 60, entriesMax: 2)
        for name in ["a", "b"] {
            _ = table.reserve(Self.key(name), now: Self.at(0))
            _ = table.reserve(Self.key(name), now: Self.at(name == "a" ? 1 : 2))
        }
        _ = table.reserve(Self.key("c"), now: Self.at(3))
        #expect(table.count == 2)
        #expect(table.failures(Self.key("a")).isEmpty, "the least recently failed locked entry goes")
        #expect(table.failures(Self.key("b")).count == 2)
    }

    @Test func expiredEntriesArePrunedAsNewOnesArrive() {
        var table = Table(maxFailures: 5, windowSeconds: 60, entriesMax: 100)
        for name in 0..<50 { _ = table.reserve(Self.key("old-\(name)"), now: Self.at(Double(name) / 100)) }
        #expect(table.count == 50)
        _ = table.reserve(Self.key("new"), now: Self.at(61))
        #expect(table.count == 1, "every entry a whole window old is gone")
    }
}
