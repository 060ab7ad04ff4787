@testable import GatewayService
import Testing

/// One client's token bucket over an injected clock (keys and the table's bound are
/// `RateLimiterTests`): `burst` requests at once, then `rate` a second, never more than `burst`
/// saved up, and a `Retry-After` of whole seconds, at least 1.
@Suite struct RateLimiterBucketTests {
    static let t0 = ContinuousClock.now
    static let client = "192.0.2.10"

    static func at(_ milliseconds: Int) -> ContinuousClock.Instant { t0 + .milliseconds(milliseconds) }

    /// How many of `count` requests at `instant` pass.
    static func passed(_ limiter: RateLimiter, _ count: Int, at instant: ContinuousClock.Instant) -> Int {
        (0..<count).count { _ in limiter.take(client, now: instant) == nil }
    }

    @Test func theBurstPassesAtOnceThenTokensComeAtTheRate() {
        let limiter = RateLimiter(rate: 2, burst: 4)
        #expect(Self.passed(limiter, 10, at: Self.at(0)) == 4, "the burst")
        #expect(Self.passed(limiter, 10, at: Self.at(500)) == 1, "2 a second: one token after 500 ms")
        #expect(Self.passed(limiter, 10, at: Self.at(750)) == 0, "half a token")
        #expect(Self.passed(limiter, 10, at: Self.at(1_000)) == 1, "the half plus another half")
        #expect(Self.passed(limiter, 10, at: Self.at(2_500)) == 3, "1.5 s: three tokens")
    }

    @Test func aFractionOfATokenPassesNothing() {
        let limiter = RateLimiter(rate: 2, burst: 4)
        #expect(Self.passed(limiter, 10, at: Self.at(0)) == 4)
        #expect(Self.passed(limiter, 10, at: Self.at(499)) == 0, "0.998 of a token")
    }

    @Test func savedTokensAreCappedAtTheBurst() {
        let limiter = RateLimiter(rate: 10, burst: 5)
        #expect(Self.passed(limiter, 5, at: Self.at(0)) == 5)
        #expect(Self.passed(limiter, 100, at: Self.at(100_000)) == 5, "100 s idle saves 5 tokens, not 1,000")
    }

    @Test func limitedRequestsCostNothing() {
        let limiter = RateLimiter(rate: 1, burst: 1)
        #expect(limiter.take(Self.client, now: Self.at(0)) == nil)
        // Steps of 1/8 s: binary fractions, so the sum is exactly one token at 1 s.
        for milliseconds in stride(from: 125, to: 1_000, by: 125) {
            #expect(limiter.take(Self.client, now: Self.at(milliseconds)) != nil)
        }
        #expect(limiter.take(Self.client, now: Self.at(1_000)) == nil, "a second after the last pass, whatever was refused")
    }

    @Test func retryAfterIsWholeSecondsAndAtLeastOne() {
        let limiter = RateLimiter(rate: 1, burst: 2)
        #expect(Self.passed(limiter, 2, at: Self.at(0)) == 2)
        #expect(limiter.take(Self.client, now: Self.at(0)) == 1, "a whole token missing at 1 a second")
        #expect(limiter.take(Self.client, now: Self.at(1_000)) == nil)
        let almost = RateLimiter(rate: 1, burst: 2)
        #expect(Self.passed(almost, 2, at: Self.at(0)) == 2)
        #expect(almost.take(Self.client, now: Self.at(999)) == 1, "a thousandth missing still says 1, not 0")
    }

    @Test func anEarlierInstantGrantsNothing() {
        let limiter = RateLimiter(rate: 1, burst: 2)
        #expect(Self.passed(limiter, 2, at: Self.at(10_000)) == 2)
        #expect(limiter.take(Self.client, now: Self.at(0)) != nil, "time never runs backwards into tokens")
    }

    @Test func oneClientsSpendingLeavesAnotherFull() {
        let limiter = RateLimiter(rate: 1, burst: 3)
        #expect(Self.passed(limiter, 10, at: Self.at(0)) == 3)
        #expect((0..<3).allSatisfy { _ in limiter.take("192.0.2.11", now: Self.at(0)) == nil })
        #expect(limiter.take("192.0.2.11", now: Self.at(0)) != nil)
        #expect(limiter.count == 2)
    }
}
