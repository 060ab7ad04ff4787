@testable import GatewayService
import ServiceKit
import Testing

/// The gateway's per-client token bucket as a pure value over an injected clock (issue 22,
/// item 12): IPv6 clients keyed by their /64, IPv4 by address, and a bounded table that evicts
/// without ever handing every limited client a fresh bucket.
@Suite struct RateLimiterTests {
    static let start = ContinuousClock.now

    /// `(first peer, second peer, same bucket?, why)`.
    static let keys: [(String, String, Bool, String)] = [
        ("2001:db8:0:1::1", "2001:db8:0:1::2", true, "one /64"),
        ("2001:db8:0:1::1", "2001:db8:0:1:ffff:ffff:ffff:ffff", true, "the last address of the /64"),
        ("2001:db8:0:1::1", "2001:db8:0:2::1", false, "the next /64"),
        ("2001:db8:0:1::1", "2001:db9:0:1::1", false, "another prefix"),
        ("10.0.0.1", "10.0.0.2", false, "IPv4: each address alone"),
        ("10.0.0.1", "::ffff:10.0.0.1", true, "IPv4-mapped IPv6 is the IPv4 address"),
        ("10.0.0.1", "::ffff:10.0.0.2", false, "another mapped address"),
        ("::1", "::2", true, "loopback and its /64"),
        ("0.0.0.0", "::", false, "IPv4 zero is not the IPv6 zero /64"),
    ]

    @Test(arguments: keys)
    func peersShareABucketByAddressOrSlash64(_ first: String, _ second: String, _ same: Bool, _ why: String) {
        #expect((RateLimitKey(peer: first) == RateLimitKey(peer: second)) == same, "\(why)")
        // And through the limiter: the first peer spends the burst; the second is limited only if it shares it.
        let limiter = RateLimiter(rate: 1, burst: 3)
        for _ in 0..<3 { #expect(limiter.take(first, now: Self.start) == nil) }
        #expect(limiter.take(first, now: Self.start) == 1)
        #expect((limiter.take(second, now: Self.start) != nil) == same, "\(why)")
    }

    @Test func aFullTableNeverFreesALimitedClient() {
        let limiter = RateLimiter(rate: 1, burst: 10, bucketsMax: 64)
        let attacker = "2001:db8:bad::1"
        for _ in 0..<10 { #expect(limiter.take(attacker, now: Self.start) == nil) }
        #expect(limiter.take(attacker, now: Self.start) == 1, "the burst is spent")
        // Thousands of new clients within the same second: the table must make room every 8th of it.
        for index in 0..<5_000 {
            _ = limiter.take("10.\(index / 65_536).\(index / 256 % 256).\(index % 256)",
                             now: Self.start + .milliseconds(index / 10))
            #expect(limiter.count <= 64)
        }
        let now = Self.start + .milliseconds(500)
        #expect(limiter.take(attacker, now: now) != nil, "still limited: its bucket was not reset")
        #expect(limiter.take("2001:db8:bad::2", now: now) != nil, "nor that of its /64")
    }

    @Test func idleFullBucketsGoFirstAndTheBoundHolds() {
        let limiter = RateLimiter(rate: 10, burst: 10, bucketsMax: 16)
        // Sixteen clients each spend one token; a second later all have refilled (idle, full).
        for index in 0..<16 { #expect(limiter.take("192.0.2.\(index)", now: Self.start) == nil) }
        #expect(limiter.count == 16)
        let later = Self.start + .seconds(1)
        let busy = "198.51.100.1"
        for _ in 0..<10 { _ = limiter.take(busy, now: later) }
        #expect(limiter.count == 1, "the full buckets went, the busy one stayed")
        #expect(limiter.take(busy, now: later) != nil)
    }

    @Test func theTableBoundIsConfigurable() throws {
        #expect(try GatewayConfig(environment: Environment([:])).rateLimitClientsMax == 100_000)
        #expect(try GatewayConfig(environment: Environment(["RATE_LIMIT_CLIENTS_MAX": "5000"])).rateLimitClientsMax == 5_000)
        for bad in ["7", "-1", "1e5", "many"] {
            #expect(throws: ConfigError.self, "RATE_LIMIT_CLIENTS_MAX=\(bad)") {
                try GatewayConfig(environment: Environment(["RATE_LIMIT_CLIENTS_MAX": bad]))
            }
        }
    }
}
