import Foundation
import Testing

/// What the auth and stock tests share, in-process (AuthServiceTests and StockServiceTests, which add
/// their service's start to this enum) and against real processes (ServiceTests): the signing key,
/// JSON bodies, accounts, problem checks, `/metrics` reading, a timing gate and parallel requests.
/// Everything lives under this one name so it cannot clash with other suites' helpers.
public enum AuthStockFixtures {
    /// A 40-byte HS256 key (the contract wants at least 32 bytes).
    public static let secret = "auth-stock-tests-secret-0123456789-abcdef"

    // MARK: - Bodies and replies

    /// A JSON object body built by JSONSerialization (so any Unicode is encoded correctly).
    public static func json(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    public static func credentials(_ username: String, _ password: String) -> String {
        json(["username": username, "password": password])
    }

    /// Registers and logs in; returns the user's id and a token.
    public static func registerAndLogin(_ client: TestClient, _ username: String, _ password: String) async throws
        -> (id: Int, token: String) {
        let registered = try await client.post("/auth/register", json: credentials(username, password))
        try #require(registered.status == 201, "register \(username): \(registered.text)")
        let login = try await client.post("/auth/login", json: credentials(username, password))
        try #require(login.status == 200, "login \(username): \(login.text)")
        return (try #require(registered.int("id")), try #require(login.string("access_token")))
    }

    /// Checks an RFC 9457 body: media type, `status` equal to the HTTP status, the `type`, a title and a detail.
    public static func expectProblem(_ reply: TestClient.Reply, status: Int, type: String, _ why: String = "",
                                     sourceLocation: SourceLocation = #_sourceLocation) {
        guard reply.status == status else {
            // One issue per row: the body checks below would only repeat the mismatch.
            Issue.record("\(why): status \(reply.status), expected \(status): \(reply.text)", sourceLocation: sourceLocation)
            return
        }
        #expect(reply.headers["Content-Type"]?.hasPrefix("application/problem+json") == true,
                "\(why): Content-Type \(reply.headers["Content-Type"] ?? "none")", sourceLocation: sourceLocation)
        #expect(reply.int("status") == status, "\(why): \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.string("type") == type, "\(why): \(reply.text)", sourceLocation: sourceLocation)
        #expect((reply.string("title") ?? "").isEmpty == false, "\(why): \(reply.text)", sourceLocation: sourceLocation)
        #expect(reply.string("detail") != nil, "\(why): \(reply.text)", sourceLocation: sourceLocation)
    }

    /// `Retry-After` as whole seconds, if it is plain digits.
    public static func retryAfter(_ reply: TestClient.Reply) -> Int? {
        guard let text = reply.headers["Retry-After"], !text.isEmpty,
              text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    // MARK: - Metrics

    /// The value of the Prometheus sample `name{labels}` (labels in any order), or 0 when absent.
    public static func metricValue(_ text: String, _ name: String, _ labels: [String: String]) -> Double {
        SuiteMetrics.value(text, name, labels, exact: true) ?? 0
    }

    // MARK: - Timing

    /// Keeps the timing-sensitive tests (bounds of a few hundred milliseconds) apart from the one test
    /// that saturates every core on purpose (a burst of scrypt logins, in ServiceTests): Swift Testing
    /// runs suites in parallel, and on a 2-core machine the burst would stretch every other deadline.
    /// One gate for every test target (they run in one test process): timing tests share it; the burst
    /// holds it alone. Waits are bounded (60 s), after which the test runs anyway.
    actor TimingGate {
        static let shared = TimingGate()
        private var sharers = 0
        private var exclusive = false

        func enterShared() async {
            let deadline = ContinuousClock.now + .seconds(60)
            while exclusive && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            sharers += 1
        }

        func leaveShared() { sharers -= 1 }

        func enterExclusive() async {
            let deadline = ContinuousClock.now + .seconds(60)
            while exclusive && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            exclusive = true
            while sharers > 0 && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        }

        func leaveExclusive() { exclusive = false }
    }

    /// Runs a test body whose assertions bound elapsed time.
    public static func timingSensitive(_ body: () async throws -> Void) async throws {
        await TimingGate.shared.enterShared()
        do {
            try await body()
        } catch {
            await TimingGate.shared.leaveShared()
            throw error
        }
        await TimingGate.shared.leaveShared()
    }

    /// Runs a test body that keeps every core busy.
    public static func cpuHeavy(_ body: () async throws -> Void) async throws {
        await TimingGate.shared.enterExclusive()
        do {
            try await body()
        } catch {
            await TimingGate.shared.leaveExclusive()
            throw error
        }
        await TimingGate.shared.leaveExclusive()
    }

    // MARK: - Concurrency

    /// Runs `count` copies of `body` at once and returns their results in index order.
    public static func concurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T)
        async throws -> [T] {
        try await TradeParallel.run(count: count, width: count, body)
    }
}
