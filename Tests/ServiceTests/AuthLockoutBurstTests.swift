import Foundation
import TestSupport
import Testing

/// Parallel guesses against one username (issue 22, item 3): the attempt is counted before scrypt
/// runs, so a burst gets at most `LOGIN_MAX_FAILURES` answers about the password, never one per request.
@Suite struct AuthLockoutBurstTests {
    typealias F = AuthStockFixtures

    @Test func aBurstOfParallelWrongPasswordsGetsAtMostMaxFailuresAnswers() async throws {
        let folder = try TemporaryFolder("auth-burst")
        defer { folder.remove() }
        let auth = try await ServiceProcess("auth", environment: AuthProcessTests.environment(folder, [
            "LOGIN_MAX_FAILURES": "5", "LOGIN_LOCKOUT_SECONDS": "60",
        ]), logFolder: folder.path)
        try await auth.stopAfter {
            let client = TestClient(port: auth.port, timeout: .seconds(30))
            _ = try await F.registerAndLogin(client, "victim", "password1")
            let burst = 20
            // Every request on its own connection, all sent before any scrypt can finish.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for attempt in 0..<burst {
                    group.addTask {
                        let own = TestClient(port: auth.port, timeout: .seconds(30))
                        return try await own.post("/auth/login", json: F.credentials("victim", "wrong-\(attempt)")).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            let answered = statuses.filter { $0 == 401 }.count
            #expect(answered <= 5, "\(answered) guesses answered: \(statuses.sorted())")
            #expect(answered + statuses.filter { $0 == 429 }.count == burst, "only 401 and 429: \(statuses.sorted())")
            // The lockout holds for the right password too.
            #expect(try await client.post("/auth/login", json: F.credentials("victim", "password1")).status == 429)
        }
    }
}
