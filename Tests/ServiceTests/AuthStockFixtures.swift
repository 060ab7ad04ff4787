import AuthService
import Foundation
import Logging
import ServiceKit
import StockService
import Synchronization
import TestSupport
import Testing

/// Shared set-up for the auth and stock service tests: in-process services on port 0 with a
/// temporary SQLite file, JSON bodies, problem checks, `/metrics` reading and a movable clock.
/// Everything lives under this one name so it cannot clash with other suites' helpers.
enum AuthStockFixtures {
    /// A 40-byte HS256 key (the contract wants at least 32 bytes).
    static let secret = "auth-stock-tests-secret-0123456789-abcdef"
    /// Errors only: the access log of every in-process request would drown the test output.
    static let logger: Logger = {
        var logger = Logger(label: "auth-stock-tests")
        logger.logLevel = .error
        return logger
    }()

    /// A running in-process service, its client and its temporary folder.
    struct Running: Sendable {
        let host: ServiceHost
        let client: TestClient
        let folder: TemporaryFolder
        var port: Int { host.port }
    }

    /// The variables every in-process auth test needs; `extra` overrides them.
    static func authEnvironment(_ folder: TemporaryFolder, _ extra: [String: String] = [:]) -> [String: String] {
        var values = [
            "HOST": "127.0.0.1", "PORT": "0", "DATABASE_PATH": folder.path + "/auth.sqlite",
            "SCRYPT_LOG_N": "10", "JWT_SECRET": secret, "LOG_LEVEL": "error",
        ]
        for (key, value) in extra { values[key] = value }
        return values
    }

    /// Starts the auth service in-process, runs `body`, and always shuts it down and removes its folder.
    static func withAuth(_ extra: [String: String] = [:], _ body: (Running) async throws -> Void) async throws {
        let folder = try TemporaryFolder("auth-test")
        let host: ServiceHost
        do {
            host = try await AuthService.start(environment: Environment(authEnvironment(folder, extra)), logger: logger)
        } catch {
            folder.remove()
            throw error
        }
        let running = Running(host: host, client: TestClient(port: host.port, timeout: .seconds(10)), folder: folder)
        do {
            try await body(running)
        } catch {
            await host.shutdown()
            folder.remove()
            throw error
        }
        await host.shutdown()
        folder.remove()
    }

    /// The variables of a stock service in live mode against `providerURL`; `extra` overrides them.
    static func stockEnvironment(_ folder: TemporaryFolder, providerURL: String?, _ extra: [String: String] = [:])
        -> [String: String] {
        var values = [
            "HOST": "127.0.0.1", "PORT": "0", "DATABASE_PATH": folder.path + "/stock.sqlite",
            "QUOTE_TTL_SECONDS": "60", "PROVIDER_TIMEOUT_MS": "2000", "LOG_LEVEL": "error",
        ]
        if let providerURL {
            values["API_KEY"] = "stock-test-key"
            values["STOCK_API_URL"] = providerURL
            // The call budget has its own tests (StockProviderBudgetTests); elsewhere it would
            // turn the sixth provider call of a test into a 503.
            values["PROVIDER_CALLS_PER_MINUTE"] = "0"
            values["PROVIDER_CALLS_PER_DAY"] = "0"
        }
        for (key, value) in extra { values[key] = value }
        return values
    }

    /// Starts the stock service in-process on `folder` (not removed here: restarts reuse it).
    static func startStock(_ folder: TemporaryFolder, providerURL: String?, clock: MovableClock,
                           _ extra: [String: String] = [:]) async throws -> Running {
        let environment = Environment(stockEnvironment(folder, providerURL: providerURL, extra))
        let host = try await StockService.start(environment: environment, logger: logger, now: clock.function)
        return Running(host: host, client: TestClient(port: host.port, timeout: .seconds(10)), folder: folder)
    }

    /// Starts the stock service with a new folder, runs `body`, and always cleans up.
    static func withStock(providerURL: String?, clock: MovableClock, _ extra: [String: String] = [:],
                          _ body: (Running) async throws -> Void) async throws {
        let folder = try TemporaryFolder("stock-test")
        let running: Running
        do {
            running = try await startStock(folder, providerURL: providerURL, clock: clock, extra)
        } catch {
            folder.remove()
            throw error
        }
        do {
            try await body(running)
        } catch {
            await running.host.shutdown()
            folder.remove()
            throw error
        }
        await running.host.shutdown()
        folder.remove()
    }

    // MARK: - Bodies and replies

    /// A JSON object body built by JSONSerialization (so any Unicode is encoded correctly).
    static func json(_ object: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func credentials(_ username: String, _ password: String) -> String {
        json(["username": username, "password": password])
    }

    /// Registers and logs in; returns the user's id and a token.
    static func registerAndLogin(_ client: TestClient, _ username: String, _ password: String) async throws
        -> (id: Int, token: String) {
        let registered = try await client.post("/auth/register", json: credentials(username, password))
        try #require(registered.status == 201, "register \(username): \(registered.text)")
        let login = try await client.post("/auth/login", json: credentials(username, password))
        try #require(login.status == 200, "login \(username): \(login.text)")
        return (try #require(registered.int("id")), try #require(login.string("access_token")))
    }

    /// Checks an RFC 9457 body: media type, `status` equal to the HTTP status, the `type`, a title and a detail.
    static func expectProblem(_ reply: TestClient.Reply, status: Int, type: String, _ why: String = "",
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
    static func retryAfter(_ reply: TestClient.Reply) -> Int? {
        guard let text = reply.headers["Retry-After"], !text.isEmpty,
              text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    // MARK: - Time

    /// RFC 3339 UTC with whole seconds, computed independently of the code under test.
    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }

    static func parseRFC3339(_ text: String) -> Date? {
        guard text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    /// A clock the tests move by hand (TTL expiry), starting at a whole second.
    final class MovableClock: Sendable {
        private let current: Mutex<Date>

        init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
            current = Mutex(start)
        }

        var now: Date { current.withLock { $0 } }

        func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

        var function: @Sendable () -> Date { { [self] in self.now } }
    }

    // MARK: - Metrics

    /// The value of the Prometheus sample `name{labels}` (labels in any order), or 0 when absent.
    static func metricValue(_ text: String, _ name: String, _ labels: [String: String]) -> Double {
        SuiteMetrics.value(text, name, labels, exact: true) ?? 0
    }

    // MARK: - Timing

    /// Keeps this file's timing-sensitive tests (bounds of a few hundred milliseconds) apart from the
    /// one test that saturates every core on purpose (a burst of scrypt logins): Swift Testing runs
    /// suites in parallel, and on a 2-core machine the burst would stretch every other deadline.
    /// Timing tests share the gate; the burst holds it alone. Waits are bounded (60 s), after which
    /// the test runs anyway.
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
    static func timingSensitive(_ body: () async throws -> Void) async throws {
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
    static func cpuHeavy(_ body: () async throws -> Void) async throws {
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
    static func concurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws
        -> [T] {
        try await TradeParallel.run(count: count, width: count, body)
    }
}
