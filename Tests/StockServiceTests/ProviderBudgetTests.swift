import Foundation
@testable import StockService
import Synchronization
import Testing

/// The provider call budget and the negative cache as pure values over an injected clock.
@Suite struct ProviderBudgetTests {
    /// A clock the test moves by hand.
    final class HandWallClock: Sendable {
        private let current = Mutex(Date(timeIntervalSince1970: 1_795_000_000))
        var now: Date { current.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
        var function: @Sendable () -> Date { { [self] in self.now } }
    }

    static func grants(_ budget: ProviderBudget, _ count: Int) -> Int {
        (0..<count).count { _ in budget.reserve() == .granted }
    }

    @Test func theMinuteWindowSlides() {
        let clock = HandWallClock()
        let budget = ProviderBudget(perMinute: 5, perDay: 0, now: clock.function)
        #expect(Self.grants(budget, 3) == 3)
        clock.advance(20)
        #expect(Self.grants(budget, 2) == 2)
        #expect(budget.reserve() == .exhausted(retryAfterSeconds: 40), "the first call leaves the window at 60 s")
        clock.advance(39.5)
        #expect(budget.reserve() == .exhausted(retryAfterSeconds: 1), "0.5 s rounds up to 1")
        clock.advance(0.5)
        #expect(Self.grants(budget, 5) == 3, "the three calls of t=0 left; the two of t=20 still count")
        #expect(budget.reserve() == .exhausted(retryAfterSeconds: 20))
    }

    @Test func theDayWindowCapsCallsSpreadOverMinutes() {
        let clock = HandWallClock()
        let budget = ProviderBudget(perMinute: 5, perDay: 25, now: clock.function)
        var granted = 0
        for _ in 0..<60 {  // an hour of a client asking 50 times a minute
            granted += Self.grants(budget, 50)
            clock.advance(60)
        }
        #expect(granted == 25)
        // Five calls at t = 0, 60, ..., 240 s; now t = 3600: the first leaves the window at 86,400.
        #expect(budget.reserve() == .exhausted(retryAfterSeconds: 86_400 - 3_600))
        clock.advance(86_400 - 3_600)
        #expect(Self.grants(budget, 50) == 5, "the first minute's five calls left; the minute limit still holds")
    }

    @Test func anExhaustedWindowCountsNothingInTheOthers() {
        let clock = HandWallClock()
        let budget = ProviderBudget(perMinute: 2, perDay: 3, now: clock.function)
        #expect(Self.grants(budget, 10) == 2, "refused calls are not counted in the day window")
        clock.advance(60)
        #expect(Self.grants(budget, 10) == 1)
    }

    @Test func zeroMeansNoLimit() {
        let budget = ProviderBudget(perMinute: 0, perDay: 0, now: HandWallClock().function)
        #expect(Self.grants(budget, 10_000) == 10_000)
        let dayOnly = ProviderBudget(perMinute: 0, perDay: 7, now: HandWallClock().function)
        #expect(Self.grants(dayOnly, 100) == 7)
    }

    @Test func aClockSteppedBackWaitsAtMostOneWindow() {
        let clock = HandWallClock()
        let budget = ProviderBudget(perMinute: 1, perDay: 0, now: clock.function)
        #expect(budget.reserve() == .granted)
        clock.advance(-3_600)
        #expect(budget.reserve() == .exhausted(retryAfterSeconds: 60))
        clock.advance(60)
        #expect(budget.reserve() == .granted)
    }

    // MARK: - The negative cache

    @Test func unknownSymbolsExpireAfterTheTTL() {
        let clock = HandWallClock()
        let cache = UnknownSymbols(entriesMax: 10, ttlSeconds: 60)
        cache.insert("ZZZZ1", now: clock.now)
        clock.advance(59)
        #expect(cache.contains("ZZZZ1", now: clock.now))
        #expect(!cache.contains("ZZZZ2", now: clock.now))
        clock.advance(1)
        #expect(!cache.contains("ZZZZ1", now: clock.now))
        cache.insert("ZZZZ1", now: clock.now)
        cache.remove("ZZZZ1")
        #expect(!cache.contains("ZZZZ1", now: clock.now), "a symbol the provider now knows is forgotten")
        #expect(!UnknownSymbols(entriesMax: 1, ttlSeconds: 0).contains("A", now: clock.now))
    }

    @Test func aFullNegativeCacheEvictsOnlyTheOldest() {
        let clock = HandWallClock()
        let cache = UnknownSymbols(entriesMax: 100, ttlSeconds: 60)
        for index in 0..<1_000 {
            cache.insert("Z\(index)", now: clock.now)
            clock.advance(0.01)
        }
        #expect(cache.count == 100, "bounded in entries")
        #expect((900..<1_000).allSatisfy { cache.contains("Z\($0)", now: clock.now) }, "the newest 100 stay: never wiped")
        #expect(!(0..<900).contains { cache.contains("Z\($0)", now: clock.now) })
        // Re-inserting and removing leaves stale queue entries; the bound still holds.
        for index in 0..<1_000 {
            cache.insert("Y\(index % 7)", now: clock.now)
            if index.isMultiple(of: 3) { cache.remove("Y\(index % 7)") }
        }
        #expect(cache.count <= 100)
        #expect(cache.contains("Y4", now: clock.now), "inserted last at 998, not removed since")
    }
}
