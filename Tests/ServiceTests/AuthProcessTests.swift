import Foundation
import TestSupport
import Testing

/// The auth executable as a real process: start-up refusals, restart, `/metrics` and a login
/// burst. A process has its own metrics registry, so counts here are exact.
@Suite struct AuthProcessTests {
    typealias F = AuthStockFixtures

    /// A valid auth environment in `folder`; `extra` overrides it.
    static func environment(_ folder: TemporaryFolder, _ extra: [String: String] = [:]) -> [String: String] {
        var values = ["DATABASE_PATH": folder.path + "/auth.sqlite", "JWT_SECRET": F.secret, "SCRYPT_LOG_N": "10",
                      "LOG_LEVEL": "info"]
        for (key, value) in extra { values[key] = value }
        return values
    }

    /// `(executable, variables, the variable the one line must name, why)`; `{file}` in a value is
    /// replaced by the path of a regular file (a parent nobody can create a folder under, even root).
    static let refusals: [(String, [String: String], String, String)] = [
        ("auth", ["PORT": "abc"], "PORT", "a non-numeric port"),
        ("auth", ["PORT": "70000"], "PORT", "a port above 65535"),
        ("auth", ["PORT": "+80"], "PORT", "a signed port"),
        ("auth", ["JWT_SECRET": "0123456789"], "JWT_SECRET", "a 10-byte secret"),
        ("auth", ["JWT_SECRET": String(repeating: "s", count: 31)], "JWT_SECRET", "a 31-byte secret"),
        ("auth", ["DATABASE_PATH": "{file}/sub/auth.sqlite"], "DATABASE_PATH", "a folder under a regular file"),
        ("auth", ["DATABASE_PATH": "/proc/auth-test/auth.sqlite"], "DATABASE_PATH", "a folder under /proc"),
        ("auth", ["SCRYPT_LOG_N": "9"], "SCRYPT_LOG_N", "scrypt cost below 10"),
        ("auth", ["TOKEN_TTL_SECONDS": "0"], "TOKEN_TTL_SECONDS", "a zero token lifetime"),
        ("auth", ["LOGIN_MAX_FAILURES": "five"], "LOGIN_MAX_FAILURES", "a word"),
        ("auth", ["HOST": "localhost"], "HOST", "a host name, not an address"),
        ("auth", ["LOG_LEVEL": "loud"], "LOG_LEVEL", "an unknown level"),
        ("stock", ["STOCK_SYMBOLS": "AAPL,B@D"], "STOCK_SYMBOLS", "a bad symbol in the list"),
        ("stock", ["PROVIDER_TIMEOUT_MS": "0"], "PROVIDER_TIMEOUT_MS", "a zero timeout"),
        ("stock", ["API_KEY": "k", "CURL_LIBRARY": "/nonexistent/libcurl.so.4"], "CURL_LIBRARY", "a missing libcurl"),
        ("stock", ["API_KEY": "k", "CURL_LIBRARY": "libm.so.6"], "CURL_LIBRARY", "a library that is not libcurl"),
    ]

    @Test(arguments: refusals)
    func aBadVariableStopsTheProcessWithOneLineNamingIt(_ name: String, _ variables: [String: String],
                                                        _ variable: String, _ why: String) async throws {
        let folder = try TemporaryFolder("refusal")
        defer { folder.remove() }
        let file = folder.path + "/a-regular-file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        var environment = Self.environment(folder, ["DATABASE_PATH": folder.path + "/\(name).sqlite"])
        for (key, value) in variables { environment[key] = value.replacingOccurrences(of: "{file}", with: file) }
        let process = try await ServiceProcess(name, environment: environment, logFolder: folder.path, waitForHealth: false)
        let exited = await process.waitForExit(timeout: .seconds(10))
        if !exited { await process.stop() }
        #expect(exited, "\(why): still running")
        #expect(process.exitStatus != 0, "\(why): exit status")
        let lines = process.log.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        #expect(lines.count == 1, "\(why): \(lines)")
        #expect(lines.first?.contains(variable) == true, "\(why): \(lines)")
        // The secret itself is never echoed.
        if variable == "JWT_SECRET", let secret = variables["JWT_SECRET"] {
            #expect(!process.log.contains(secret), "\(why): the log repeats the secret")
        }
    }

    @Test func aRestartKeepsUsersAndAcceptsTokensIssuedBefore() async throws {
        let folder = try TemporaryFolder("auth-restart")
        defer { folder.remove() }
        let environment = Self.environment(folder)
        let first = try await ServiceProcess("auth", environment: environment, logFolder: folder.path)
        let (id, token): (Int, String)
        do {
            (id, token) = try await F.registerAndLogin(TestClient(port: first.port), "Persistent", "password1")
        } catch {
            await first.stop()
            throw error
        }
        await first.stop()
        #expect(first.exitStatus == 0, "SIGTERM exits 0: \(first.log)")

        let second = try await ServiceProcess("auth", environment: environment, logFolder: folder.path)
        defer { second.signal(SIGKILL) }
        let client = TestClient(port: second.port)
        let me = try await client.get("/auth/me", token: token)
        #expect(me.status == 200, "\(me.text)")
        #expect(me.int("id") == id)
        #expect(me.string("username") == "Persistent")
        #expect(try await client.post("/auth/login", json: F.credentials("persistent", "password1")).status == 200)
        #expect(try await client.post("/auth/login", json: F.credentials("persistent", "password2")).status == 401)
        let again = try await client.post("/auth/register", json: F.credentials("PERSISTENT", "password1"))
        #expect(again.status == 409)
        let next = try await client.post("/auth/register", json: F.credentials("newcomer", "password1"))
        #expect((next.int("id") ?? 0) > id, "ids keep growing across restarts")
        await second.stop()
        #expect(second.exitStatus == 0)
    }

    @Test func metricsCountRequestsByRoutePatternAndStatus() async throws {
        let folder = try TemporaryFolder("auth-metrics")
        defer { folder.remove() }
        let process = try await ServiceProcess("auth", environment: Self.environment(folder), logFolder: folder.path)
        defer { process.signal(SIGKILL) }
        let client = TestClient(port: process.port)
        let failed = ["method": "POST", "route": "/auth/login", "status": "401"]
        let before = try await client.get("/metrics")
        #expect(before.status == 200)
        #expect(before.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        let failedBefore = F.metricValue(before.text, "http_requests_total", failed)

        _ = try await F.registerAndLogin(client, "counted", "password1")
        for _ in 1...3 { #expect(try await client.post("/auth/login", json: F.credentials("counted", "nope-nope")).status == 401) }
        #expect(try await client.get("/auth/me").status == 401)
        #expect(try await client.get("/auth/me/extra-path-123").status == 404)

        let after = try await client.get("/metrics").text
        #expect(F.metricValue(after, "http_requests_total", failed) == failedBefore + 3, "\(after)")
        #expect(F.metricValue(after, "http_requests_total", ["method": "POST", "route": "/auth/login", "status": "200"]) == 1)
        #expect(F.metricValue(after, "http_requests_total", ["method": "POST", "route": "/auth/register", "status": "201"]) == 1)
        #expect(F.metricValue(after, "http_requests_total", ["method": "GET", "route": "/auth/me", "status": "401"]) == 1)
        #expect(after.contains("http_request_duration_seconds_bucket{"), "a duration histogram")
        // Unknown paths are not labels: the raw path never appears.
        #expect(!after.contains("extra-path-123"))
    }

    @Test func aBurstOfLoginsDoesNotStallHealth() async throws {
        // Every core is busy hashing here: other timing tests of these suites wait (TimingGate).
        try await F.cpuHeavy {
            let folder = try TemporaryFolder("auth-burst")
            defer { folder.remove() }
            // Eight parallel logins of one user: a login attempt is reserved before its hash runs, so
            // LOGIN_MAX_FAILURES caps the attempts in flight per name, and scrypt at 2^14 in a debug build
            // takes over a second, past SCRYPT_QUEUE_WAIT_MS_MAX's default: both raised for this burst.
            let process = try await ServiceProcess("auth", environment: Self.environment(folder, [
                "SCRYPT_LOG_N": "14", "LOGIN_MAX_FAILURES": "8", "SCRYPT_QUEUE_WAIT_MS_MAX": "60000",
            ]), logFolder: folder.path)
            defer { process.signal(SIGKILL) }
            let client = TestClient(port: process.port, timeout: .seconds(30))
            _ = try await F.registerAndLogin(client, "burst", "password1")

            let clock = ContinuousClock()
            let idleCPU = try #require(process.cpuSeconds)
            let start = clock.now
            let logins = Task {
                try await F.concurrently(8) { _ in
                    let reply = try await client.post("/auth/login", json: F.credentials("burst", "password1"))
                    return (reply.status, clock.now)
                }
            }
            // Until scrypt is busy (a tenth of a second of CPU more than idle), then probe.
            #expect(await Eventually.holds { (process.cpuSeconds ?? 0) - idleCPU >= 0.1 }, "auth never started hashing")
            var probes: [Duration] = []
            var lastProbeEnd = start
            for _ in 1...3 {
                let probeStart = clock.now
                let health = try await TestClient(port: process.port, timeout: .seconds(5)).get("/health")
                lastProbeEnd = clock.now
                #expect(health.status == 200)
                probes.append(lastProbeEnd - probeStart)
            }
            let results = try await logins.value
            #expect(results.allSatisfy { $0.0 == 200 }, "\(results.map(\.0))")
            let lastLogin = results.map(\.1).max() ?? start
            // The probes ran while scrypt was busy, else this test proves nothing.
            #expect(lastLogin > lastProbeEnd, "logins finished \(lastLogin - start) after start, probes by \(lastProbeEnd - start)")
            // The median: one probe may lose the CPU to other suites running in parallel, but a loop
            // blocked by scrypt would make every probe wait for whole hashes.
            let median = probes.sorted()[1]
            #expect(median < .milliseconds(200), "health probes took \(probes); logins took \(lastLogin - start)")
        }
    }
}
