import Sockets
import Testing

/// The loop's clock reading against `Duration` arithmetic and `ContinuousClock`.
@Suite struct LoopInstantTests {
    @Test func arithmeticMatchesDurationsToTheNanosecond() {
        let start = LoopInstant(sinceZero: .seconds(1_000) + .nanoseconds(7))
        #expect(start.sinceZero == .seconds(1_000) + .nanoseconds(7))
        let later = start + .milliseconds(1_500)
        #expect(later - start == .milliseconds(1_500))
        #expect(later - .milliseconds(1_500) == start)
        var moved = start
        moved += .microseconds(3)
        #expect(moved - start == .microseconds(3))
        #expect(start < later && !(later < start) && start != later)
    }

    @Test func hugeDurationsNeitherTrapNorWrap() {
        let now = LoopInstant.now
        // "Practically never" deadlines stay after now, and "long ago" before it.
        #expect(now < now + .seconds(Int64.max))
        #expect(now - .seconds(Int64.max) < now)
        #expect(now + .seconds(Int64.min) < now)
    }

    @Test func theClockMovesForwardWithContinuousClock() {
        // Read first, so that the spin below lies wholly between the two readings.
        let first = LoopInstant.now
        let before = ContinuousClock.now
        var spin = 0
        while ContinuousClock.now - before < .milliseconds(2) { spin += 1 }
        let second = LoopInstant.now
        #expect(second - first >= .milliseconds(2))
        #expect(second - first < .seconds(5))
    }
}
