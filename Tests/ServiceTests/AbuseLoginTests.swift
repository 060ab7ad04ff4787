import Foundation
import TestSupport
import Testing

/// Attacks on auth's logins (issue 22, items 2 and 9), each while a normal user trades: huge usernames
/// and a flood of distinct failed logins (sent straight to auth's port: the gateway would relay the same
/// bytes, and the debug build's relay would triple the test's time), and a login flood through the gateway. Each asserts every process's peak
/// RSS, that the normal client was fully served, that its ledger reconciles, and that a victim's
/// lockout, set before the attack, still holds after it.
@Suite(.serialized) struct AbuseLoginTests {
    /// Peak RSS bounds (bytes): well inside compose's mem_limit (auth 256m, the others 128m).
    static let rssBound = ["auth": 160 << 20, "stock": 96 << 20, "trade": 96 << 20, "gateway": 96 << 20]

    /// A lockout that outlasts any attack here: what ends it must be the attack, not the clock.
    static let longLockout = ["auth": ["LOGIN_LOCKOUT_SECONDS": "900"]]

    static func expectHealthy(_ outcome: AbuseOutcome, _ suite: SuiteProcesses,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, bound) in rssBound {
            let peak = outcome.peakRSSBytes[name] ?? 0
            #expect(peak > 0 && peak < bound, "\(name) peak RSS \(peak >> 20) MiB (bound \(bound >> 20) MiB)",
                    sourceLocation: sourceLocation)
        }
        #expect(outcome.normalFailures.isEmpty, "\(outcome.normalFailures.prefix(5))", sourceLocation: sourceLocation)
        #expect(outcome.normalRequests >= 2, sourceLocation: sourceLocation)
        #expect(outcome.ledger.problems.isEmpty, "\(outcome.ledger)", sourceLocation: sourceLocation)
    }

    /// Registers `victim` and locks it out with LOGIN_MAX_FAILURES (5) wrong passwords.
    static func lockOut(_ victim: String, _ suite: SuiteProcesses) async throws {
        let client = suite.gateway()
        _ = try await suite.registerAndLogin(victim, password: "victim-password")
        for attempt in 1...5 {
            let reply = try await client.post("/auth/login", json: #"{"username":"\#(victim)","password":"wrong-\#(attempt)"}"#)
            #expect(reply.status == 401)
        }
        try await expectLocked(victim, suite)
    }

    static func expectLocked(_ victim: String, _ suite: SuiteProcesses,
                             sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await suite.gateway().post("/auth/login",
                                                   json: #"{"username":"\#(victim)","password":"victim-password"}"#)
        #expect(reply.status == 429, "the lockout holds: \(reply.status)", sourceLocation: sourceLocation)
    }

    /// Locks `victim` out, then sends `count` failed logins for `username(i)` straight to auth while the
    /// normal user trades; checks that every one was 401, the suite stayed healthy and the lockout held.
    static func failedLoginAttack(_ name: String, victim: String, count: Int, connections: Int, depth: Int,
                                  username: @escaping @Sendable (Int) -> String) async throws {
        try await SuiteProcesses.with(environment: longLockout) { suite in
            try await lockOut(victim, suite)
            let outcome = try await AbuseHarness.run(name, suite: suite) {
                let (statuses, elapsed) = try await AbuseFlood.pipeline(port: suite.ports["auth"]!, count: count,
                                                                        connections: connections, depth: depth,
                                                                        deadline: .seconds(150)) { index in
                    AbuseFlood.post("/auth/login", json: #"{"username":"\#(username(index))","password":"password1"}"#)
                }
                print("abuse: \(name): \(statuses) in \(elapsed)")
                #expect(statuses == [401: count], "\(statuses)")
            }
            expectHealthy(outcome, suite)
            try await expectLocked(victim, suite)
        }
    }

    @Test func twoHundredOneMiBUsernamesDoNotGrowAuth() async throws {
        // Just under MAX_BODY_BYTES (1 MiB) with the JSON around it; distinct in the first bytes.
        let tail = String(repeating: "A", count: 1_048_576 - 100)
        try await Self.failedLoginAttack("1 MiB usernames x200", victim: "victim1", count: 200, connections: 4, depth: 2) {
            "u\($0)-" + tail
        }
    }

    @Test func aHundredThousandDistinctFailedLoginsNeitherGrowAuthNorLiftALockout() async throws {
        // Over 64 bytes, so no scrypt runs: the cheapest way to fill the table. One more name than
        // LOGIN_LIMITER_ENTRIES_MAX's default holds, with the victim's.
        let tail = String(repeating: "x", count: 60)
        try await Self.failedLoginAttack("100,000 distinct failed logins", victim: "victim2", count: 100_000,
                                         connections: 8, depth: 64) { "flood-\($0)-" + tail }
    }

    /// Plausible logins for invented names from many connections (issue 22, item 9): each costs a dummy
    /// scrypt, more than the pool drains. A real user's logins still succeed promptly; the flood gets
    /// 401 or 503 with `Retry-After`, never a 500. The suite's scrypt cost (2^10)
    /// takes ~100 ms in a debug build (BoringSSL at -O0): the flood outruns the pool many times over.
    @Test func aLoginFloodDoesNotStallARealUsersLogin() async throws {
        try await SuiteProcesses.with(environment: Self.longLockout) { suite in
            try await Self.lockOut("victim3", suite)
            _ = try await suite.registerAndLogin("realuser", password: "real-password")
            let auth = try #require(suite.process("auth"))
            let outcome = try await AbuseHarness.run("login flood", suite: suite) {
                let idleCPU = auth.cpuSeconds ?? 0
                // The gateway answers a connection's pipelined requests one at a time, so the connections
                // are what reach auth at once: 96 of them, ~5 s of debug-build scrypt on two threads.
                async let flood = AbuseFlood.pipeline(port: suite.gatewayPort, count: 1_000_000, connections: 96, depth: 2,
                                                      deadline: .seconds(6)) { index in
                    AbuseFlood.post("/auth/login", json: #"{"username":"flood\#(index)","password":"password1"}"#)
                }
                // The line is full once auth has hashed for 0.3 s of CPU on the flood's behalf (~100 ms a hash).
                #expect(await Eventually.holds(within: .seconds(6)) { (auth.cpuSeconds ?? 0) - idleCPU >= 0.3 },
                        "auth never got busy with the flood")
                let client = suite.gateway()
                var slowest = Duration.zero
                var took: [Duration] = []
                for attempt in 1...15 {
                    let started = ContinuousClock.now
                    let reply = try await client.post("/auth/login", json: #"{"username":"realuser","password":"real-password"}"#)
                    slowest = max(slowest, ContinuousClock.now - started)
                    took.append(ContinuousClock.now - started)
                    #expect(reply.status == 200, "real login \(attempt): \(reply.status) \(reply.text)")
                    try await Task.sleep(for: .milliseconds(200))  // kept: paces the real user's logins through the flood
                }
                print("abuse: login flood: the real user's logins took \(took.map { AbuseHarness.milliseconds($0) }) ms")
                #expect(slowest < .seconds(2), "the real user's slowest login: \(slowest)")
                let (statuses, elapsed) = try await flood
                print("abuse: login flood: \(statuses) in \(elapsed)")
                #expect(Set(statuses.keys).isSubset(of: [401, 503]), "\(statuses)")
                #expect((statuses[503] ?? 0) > 0, "the flood was shed: \(statuses)")
            }
            Self.expectHealthy(outcome, suite)
            try await Self.expectLocked("victim3", suite)
            let shed = try await suite.gateway().post("/auth/login", json: #"{"username":"flood1","password":"password1"}"#)
            #expect(shed.status == 401, "after the flood a login is answered again: \(shed.status)")
        }
    }
}
