import Foundation
import TestSupport
import Testing

/// The login lockout (API.md "Auth"). `LOGIN_MAX_FAILURES=3` everywhere; the window is short (2 s,
/// 4 s) where a test waits for its end, and 30 s elsewhere so a loaded machine cannot end it early.
/// Each test has its own service, so its counts are its own.
@Suite struct AuthLockoutTests {
    typealias F = AuthStockFixtures
    static let shortWindow = ["LOGIN_MAX_FAILURES": "3", "LOGIN_LOCKOUT_SECONDS": "2"]
    static let longWindow = ["LOGIN_MAX_FAILURES": "3", "LOGIN_LOCKOUT_SECONDS": "30"]

    static func login(_ client: TestClient, _ username: String, _ password: String) async throws -> TestClient.Reply {
        try await client.post("/auth/login", json: F.credentials(username, password))
    }

    /// Runs `scenario` (numbered, for fresh usernames) until one round meets its timing and returns
    /// true, at most `rounds` times. A machine too slow for every round fails the test: the lockout
    /// window would otherwise go unchecked while the test passed.
    static func untilTimely(_ what: String, rounds: Int = 3, _ scenario: (Int) async throws -> Bool) async throws {
        for round in 1...rounds {
            if try await scenario(round) { return }
        }
        Issue.record("\(what): none of \(rounds) rounds was fast enough to check the lockout")
    }

    @Test(arguments: [(shortWindow, 2), (longWindow, 30)])
    func theThirdFailureIs401ThenEvenTheRightPasswordIs429(_ variables: [String: String], _ window: Int) async throws {
        try await F.timingSensitive {
            try await F.withAuth(variables) { auth in
                try await Self.untilTimely("the \(window) s window") { round in
                    let name = "frank\(round)"
                    _ = try await F.registerAndLogin(auth.client, name, "password1")
                    let started = ContinuousClock.now
                    for attempt in 1...3 {
                        let reply = try await Self.login(auth.client, name, "wrong-\(attempt)")
                        F.expectProblem(reply, status: 401, type: "/problems/invalid-credentials", "failure \(attempt)")
                    }
                    // With the 2 s window a slow machine may already have let the first failure go.
                    guard window > 2 || ContinuousClock.now - started < .milliseconds(1_500) else { return false }
                    for (password, why) in [("password1", "right password"), ("wrong-4", "wrong password")] {
                        let locked = try await Self.login(auth.client, name, password)
                        F.expectProblem(locked, status: 429, type: "/problems/too-many-login-attempts", why)
                        let seconds = try #require(F.retryAfter(locked), "\(why): Retry-After \(locked.headers["Retry-After"] ?? "none")")
                        #expect((1...window).contains(seconds), "\(why): Retry-After \(seconds) within the \(window) s window")
                        #expect(locked.json["access_token"] == nil)
                    }
                    return true
                }
            }
        }
    }

    @Test func unknownUsernamesLockOutToo() async throws {
        try await F.withAuth(Self.longWindow) { auth in
            for attempt in 1...3 {
                let reply = try await Self.login(auth.client, "ghost", "password\(attempt)")
                #expect(reply.status == 401, "failure \(attempt)")
            }
            let locked = try await Self.login(auth.client, "ghost", "password4")
            F.expectProblem(locked, status: 429, type: "/problems/too-many-login-attempts", "unknown user")
            #expect(F.retryAfter(locked).map { (25...30).contains($0) } == true, "\(locked.headers["Retry-After"] ?? "none")")
            // Registering the name now does not lift the lockout on it.
            let registered = try await auth.client.post("/auth/register", json: F.credentials("ghost", "password9"))
            #expect(registered.status == 201)
            #expect(try await Self.login(auth.client, "ghost", "password9").status == 429)
            // Another username is not affected.
            #expect(try await Self.login(auth.client, "ghost2", "password1").status == 401)
        }
    }

    @Test func failuresCountPerLowerCasedUsername() async throws {
        try await F.withAuth(Self.longWindow) { auth in
            _ = try await F.registerAndLogin(auth.client, "Grace", "password1")
            for name in ["Grace", "grace", "GRACE"] {
                #expect(try await Self.login(auth.client, name, "wrong").status == 401, "\(name)")
            }
            #expect(try await Self.login(auth.client, "gRaCe", "password1").status == 429)
        }
    }

    @Test func theLockoutEndsAfterRetryAfterAndLockedAttemptsAreNotCounted() async throws {
        // A 4 s window: long enough that the locked attempts below surely fall inside it even when a
        // loaded machine makes each login slow, short enough to wait for its end.
        try await F.timingSensitive {
            try await F.withAuth(["LOGIN_MAX_FAILURES": "3", "LOGIN_LOCKOUT_SECONDS": "4"]) { auth in
                try await Self.untilTimely("the 4 s window") { round in
                    let name = "heidi\(round)"
                    _ = try await F.registerAndLogin(auth.client, name, "password1")
                    let firstSent = ContinuousClock.now
                    #expect(try await Self.login(auth.client, name, "wrong-1").status == 401)
                    for attempt in 2...3 {
                        #expect(try await Self.login(auth.client, name, "wrong-\(attempt)").status == 401)
                    }
                    // Locked attempts well inside the window: if they were counted, they would keep the
                    // lock alive after the first failure leaves the window.
                    try await Task.sleep(until: firstSent + .milliseconds(1_500))
                    // The first failure was recorded after `firstSent`, so it is still counted until
                    // `firstSent` + 4 s; a machine too slow to get here in time proves nothing.
                    guard ContinuousClock.now - firstSent < .milliseconds(3_000) else { return false }
                    var lastLocked: TestClient.Reply?
                    var lockedAt = ContinuousClock.now
                    for _ in 1...3 {
                        lockedAt = ContinuousClock.now
                        let reply = try await Self.login(auth.client, name, "password1")
                        #expect(reply.status == 429)
                        lastLocked = reply
                    }
                    let seconds = try #require(lastLocked.flatMap(F.retryAfter))
                    #expect((1...4).contains(seconds), "Retry-After \(seconds)")
                    // Retry-After (rounded up) is when the first failure leaves the window.
                    try await Task.sleep(until: lockedAt + .seconds(seconds) + .milliseconds(200))
                    let recovered = try await Self.login(auth.client, name, "password1")
                    #expect(recovered.status == 200, "\(recovered.text)")
                    return true
                }
            }
        }
    }

    @Test func retryAfterCountsDownToTheOldestFailureLeavingTheWindow() async throws {
        try await F.timingSensitive {
            try await F.withAuth(["LOGIN_MAX_FAILURES": "2", "LOGIN_LOCKOUT_SECONDS": "10"]) { auth in
                let clock = ContinuousClock()
                let firstSent = clock.now
                #expect(try await Self.login(auth.client, "ivan", "wrong").status == 401)
                let firstAnswered = clock.now
                try await Task.sleep(until: firstAnswered + .seconds(3))
                #expect(try await Self.login(auth.client, "ivan", "wrong").status == 401)
                let lockedSent = clock.now
                let locked = try await Self.login(auth.client, "ivan", "wrong")
                let lockedAnswered = clock.now
                #expect(locked.status == 429)
                // The first failure was recorded in [firstSent, firstAnswered] and the answer computed in
                // [lockedSent, lockedAnswered]: Retry-After = ceil(10 s − elapsed) lies between these.
                // Counting from the second failure instead would say about 10.
                func ceilSeconds(_ duration: Duration) -> Int {
                    let (seconds, attoseconds) = duration.components
                    return Int(seconds) + (attoseconds > 0 ? 1 : 0)
                }
                let low = max(1, ceilSeconds(.seconds(10) - (lockedAnswered - firstSent)))
                let high = ceilSeconds(.seconds(10) - (lockedSent - firstAnswered))
                let seconds = try #require(F.retryAfter(locked))
                #expect((low...high).contains(seconds), "Retry-After \(seconds), expected \(low)...\(high)")
                #expect(seconds <= 7, "at least 3 s of the window had passed")
            }
        }
    }

    @Test func aSuccessfulLoginClearsTheCount() async throws {
        try await F.withAuth(Self.longWindow) { auth in
            _ = try await F.registerAndLogin(auth.client, "judy", "password1")
            for _ in 1...2 { #expect(try await Self.login(auth.client, "judy", "wrong").status == 401) }
            #expect(try await Self.login(auth.client, "judy", "password1").status == 200)
            // Two more failures: with the count cleared this is 2 of 3, not 4.
            for _ in 1...2 { #expect(try await Self.login(auth.client, "judy", "wrong").status == 401) }
            #expect(try await Self.login(auth.client, "judy", "password1").status == 200)
        }
    }
}
