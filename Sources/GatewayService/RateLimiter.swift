import Foundation
import HTTP
import Routing
import Synchronization

/// A token bucket per client (API.md "Gateway"): `rate` tokens a second up to `burst`, keyed by
/// ``RateLimitKey`` (an IPv4 address, an IPv6 /64).
///
/// The table is bounded by `bucketsMax` and is never cleared: clearing it would hand every limited
/// client a full bucket again (PITFALLS.md). When a new client finds it full, buckets that have
/// refilled completely go first (forgetting them changes nothing: a missing bucket is a full
/// one); if active clients still fill it, the fullest buckets go next (they lose least), until an
/// eighth of the table is free, so the scan is paid once per `bucketsMax / 8` new clients.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    /// Most buckets kept by default (`RATE_LIMIT_CLIENTS_MAX`): 100,000 × about 64 bytes (16-byte
    /// key, 24-byte bucket, table overhead) is under 8 MiB, within the gateway's 128 MiB.
    static let bucketsMax = 100_000

    private let rate: Double
    private let burst: Double
    private let bucketsMax: Int
    private let buckets = Mutex<[RateLimitKey: Bucket]>([:])

    init(rate: Int, burst: Int, bucketsMax: Int = RateLimiter.bucketsMax) {
        precondition(rate > 0 && burst > 0 && bucketsMax >= 8)
        self.rate = Double(rate)
        self.burst = Double(burst)
        self.bucketsMax = bucketsMax
    }

    /// `nil` if the request may pass, else the whole seconds (≥ 1) until a token is available.
    func take(_ peer: String, now: ContinuousClock.Instant = .now) -> Int? {
        let key = RateLimitKey(peer: peer)
        return buckets.withLock { table in
            var bucket = table[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = tokens(bucket, at: now)
            bucket.updated = now
            defer {
                if table[key] == nil && table.count >= bucketsMax { makeRoom(&table, now: now) }
                table[key] = bucket
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    /// Buckets held now (tests check the bound).
    var count: Int { buckets.withLock { $0.count } }

    /// The 429 for a client that must wait `seconds`.
    static func tooManyRequests(retryAfter seconds: Int) -> GatewayRejection {
        .rateLimited(retryAfterSeconds: seconds)
    }

    private func tokens(_ bucket: Bucket, at now: ContinuousClock.Instant) -> Double {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(burst, bucket.tokens + max(0, seconds) * rate)
    }

    private func makeRoom(_ table: inout [RateLimitKey: Bucket], now: ContinuousClock.Instant) {
        table = table.filter { tokens($0.value, at: now) < burst }
        let keep = bucketsMax - bucketsMax / 8
        guard table.count > keep else { return }
        let fullestFirst = table.map { (key: $0.key, tokens: tokens($0.value, at: now)) }.sorted { $0.tokens > $1.tokens }
        for entry in fullestFirst.prefix(table.count - keep) { table[entry.key] = nil }
    }
}

/// Applies the rate limit to everything but `/health` and `/metrics`, unmatched paths included.
struct RateLimitMiddleware: Middleware {
    let limiter: RateLimiter

    func before(_ request: HTTPRequest, _ context: inout RequestContext) throws -> MiddlewareStep {
        if context.route != "/health" && context.route != "/metrics", let wait = limiter.take(context.peer) {
            throw RateLimiter.tooManyRequests(retryAfter: wait)
        }
        return .next
    }
}
