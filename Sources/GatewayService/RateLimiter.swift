import Foundation
import HTTP
import Routing
import Synchronization

/// A token bucket per TCP peer address (API.md "Gateway"): `rate` tokens a second up to `burst`.
/// The table is bounded: when full, buckets that have refilled completely (idle clients) go.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])
    private static let peersMax = 100_000

    init(rate: Int, burst: Int) {
        self.rate = Double(rate)
        self.burst = Double(burst)
    }

    /// `nil` if the request may pass, else the whole seconds (≥ 1) until a token is available.
    func take(_ peer: String, now: ContinuousClock.Instant = .now) -> Int? {
        buckets.withLock { table in
            var bucket = table[peer] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * rate)
            bucket.updated = now
            defer {
                if table.count >= Self.peersMax && table[peer] == nil { prune(&table, now: now) }
                table[peer] = bucket
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }

    /// The 429 for a client that must wait `seconds`.
    static func tooManyRequests(retryAfter seconds: Int) -> HTTPError {
        HTTPError(429, type: "/problems/rate-limited", title: "Too many requests",
                  detail: "This client is over its request rate; slow down.", headers: ["Retry-After": String(seconds)])
    }

    private func prune(_ table: inout [String: Bucket], now: ContinuousClock.Instant) {
        let fullAfter = Duration.seconds(burst / rate)
        table = table.filter { now - $0.value.updated < fullAfter }
        if table.count >= Self.peersMax { table.removeAll() }
    }
}

/// Applies the rate limit to everything but `/health` and `/metrics`.
struct RateLimitMiddleware: Middleware {
    let limiter: RateLimiter

    func handle(_ request: HTTPRequest, context: RequestContext, next: Handler) async throws -> HTTPResponse {
        if context.route != "/health" && context.route != "/metrics", let wait = limiter.take(request.peer) {
            throw RateLimiter.tooManyRequests(retryAfter: wait)
        }
        return try await next(request, context)
    }
}
