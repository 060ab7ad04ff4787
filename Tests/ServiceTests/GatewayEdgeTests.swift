import Foundation
import Testing
import TestSupport

/// The gateway's edge duties as a real process: the per-peer token bucket and the aggregate
/// `/health` (API.md "Gateway").
@Suite(.serialized)
struct GatewayEdgeTests {
    // MARK: rate limiting

    /// 1 token a second, 5 at most: the sixth rapid request from one peer is over. One a second, not
    /// more, so that a burst slowed by a loaded machine (the whole suite runs in parallel on 2 cores)
    /// still refills by less than a token: at 5 a second a 200 ms burst already let a sixth through.
    private static let limited = ["gateway": ["RATE_LIMIT_RPS": "1", "RATE_LIMIT_BURST": "5"]]

    /// Requests the gateway answers itself (401 before any round trip), so that a burst of six
    /// takes a few milliseconds and the bucket refills by far less than one token meanwhile.
    private static func burst(_ count: Int, port: Int, from source: String) async throws -> [SuiteRawHTTP.Response] {
        var replies: [SuiteRawHTTP.Response] = []
        for _ in 0..<count { replies.append(try await get("/trade/account", port: port, from: source)) }
        return replies
    }

    /// One request on its own connection, off the cooperative pool.
    private static func get(_ target: String, port: Int, from source: String = "127.0.0.1") async throws -> SuiteRawHTTP.Response {
        try await SuiteRawHTTP.sendAsync("GET", target, port: port, from: source).get()
    }

    @Test func theSixthRapidRequestFromOnePeerIs429WhileAnotherPeerStillPasses() async throws {
        try await SuiteProcesses.with(environment: Self.limited) { suite in
            let port = suite.gatewayPort
            let first = try await Self.burst(6, port: port, from: "127.0.0.1")
            #expect(first.map(\.status) == [401, 401, 401, 401, 401, 429], "\(first.map(\.status))")
            let over = try #require(first.last)
            let retryAfter = try #require(over.header("Retry-After").flatMap { Int($0) }, "\(over.headers)")
            #expect(retryAfter >= 1)
            #expect(over.json["type"] as? String == "/problems/rate-limited", "\(over.text)")
            #expect(over.json["status"] as? Int == 429)
            #expect(over.header("Content-Type")?.hasPrefix("application/problem+json") == true)
            #expect(over.header("X-Request-ID")?.isEmpty == false)
            #expect(try await Self.get("/trade/account", port: port).status == 429, "still exhausted")

            // Another TCP peer has its own bucket.
            let other = try await Self.burst(5, port: port, from: "127.0.0.2")
            #expect(other.map(\.status) == [401, 401, 401, 401, 401], "\(other.map(\.status))")

            // /health and /metrics are never limited, even for the exhausted peer.
            for target in ["/health", "/metrics", "/health", "/metrics", "/health", "/metrics", "/health"] {
                let reply = try await Self.get(target, port: port)
                #expect(reply.status == 200, "\(target): \(reply.status)")
            }

            // A second later there is a token again.
            // Kept: the real gateway's bucket refills on its own clock (RateLimiterTests uses a manual one).
            try await Task.sleep(for: .milliseconds(1100))
            let recovered = try await Self.get("/trade/account", port: port)
            #expect(recovered.status == 401, "after 1.1 s: \(recovered.status) \(recovered.text)")
        }
    }

    @Test func forwardedRequestsCountAgainstTheBucketToo() async throws {
        try await SuiteProcesses.with(environment: Self.limited) { suite in
            var statuses: [Int] = []
            for _ in 0..<8 {
                statuses.append(try await Self.get("/stocks/AAPL", port: suite.gatewayPort).status)
            }
            // Forwarded requests are slower; a little refill may let one more through, never many.
            #expect(statuses.prefix(5).allSatisfy { $0 == 200 }, "\(statuses)")
            #expect(statuses.filter { $0 == 429 }.count >= 2, "\(statuses)")
        }
    }

    // MARK: aggregate health

    @Test func healthIsOkWhenEveryServiceAnswersAndDegradedNamingTheOneThatDoesNot() async throws {
        try await SuiteProcesses.with { suite in
            let client = suite.gateway()
            let up = try await client.get("/health")
            #expect(up.status == 200, "\(up.text)")
            #expect(up.string("status") == "ok")
            #expect(up.json["services"] as? [String: String] == ["auth": "ok", "stock": "ok", "trade": "ok"], "\(up.text)")
            #expect(up.headers["Content-Type"]?.hasPrefix("application/json") == true)

            // A hung service (stopped, its socket still accepting) is down after the 1 s budget.
            let trade = try #require(suite.process("trade"))
            trade.suspend()
            let start = ContinuousClock.now
            let hung = try await client.get("/health")
            let waited = ContinuousClock.now - start
            trade.resume()
            #expect(hung.status == 503, "\(hung.text)")
            #expect(hung.string("status") == "degraded")
            #expect(hung.json["services"] as? [String: String] == ["auth": "ok", "stock": "ok", "trade": "down"], "\(hung.text)")
            #expect(hung.headers["Content-Type"]?.hasPrefix("application/json") == true, "not problem+json")
            #expect(waited >= .milliseconds(900) && waited < .milliseconds(2500), "answered after \(waited)")

            // A stopped service is down at once.
            await suite.stop("trade")
            let quick = ContinuousClock.now
            let down = try await client.get("/health")
            #expect(ContinuousClock.now - quick < .milliseconds(1500))
            #expect(down.status == 503, "\(down.text)")
            #expect(down.json["status"] as? String == "degraded")
            #expect(down.json["services"] as? [String: String] == ["auth": "ok", "stock": "ok", "trade": "down"], "\(down.text)")
            #expect(down.headers["Content-Type"]?.hasPrefix("application/json") == true)

            try await suite.start("trade")
            let again = try await client.get("/health")
            #expect(again.status == 200, "healthy again after trade restarted: \(again.text)")
        }
    }
}
