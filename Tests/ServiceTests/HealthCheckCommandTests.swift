import Foundation
import Testing
import TestSupport

/// The `NAME healthcheck` subcommand the images use: plain, it is the readiness of `/health` (200);
/// with `--live`, only whether the process answers, which is what swarm, which restarts unhealthy
/// tasks, must ask of a gateway whose `/health` is 503 because one upstream is down.
@Suite(.serialized) struct HealthCheckCommandTests {
    /// Runs `gateway healthcheck [flag]` against `port`, with `PORT` alone in its environment; its
    /// exit status. Through `ChildProcess` (`SuiteCommand`): Foundation's `Process.run()` crashes
    /// now and then on this toolchain (see `ChildProcess`), and did so here in a full run.
    static func healthcheck(port: Int, _ arguments: [String]) async throws -> Int32 {
        let gateway = ServiceProcess.binaryFolder.appendingPathComponent("gateway").path
        return try await SuiteCommand.run(["-i", "PORT=\(port)", gateway, "healthcheck"] + arguments, timeout: .seconds(20)).status
    }

    @Test(.timeLimit(.minutes(1)))
    func aDegradedGatewayIsAliveButNotReadyAndAStoppedOneIsNeither() async throws {
        let folder = try TemporaryFolder("healthcheck")
        defer { folder.remove() }
        // Every upstream on a port nothing listens on: the gateway serves, its /health is 503.
        let closed = ServiceProcess.freePort()
        let gateway = try await ServiceProcess("gateway", environment: [
            "JWT_SECRET": "healthcheck-test-secret-0123456789-abcdef",
            "AUTH_URL": "http://127.0.0.1:\(closed)", "STOCK_URL": "http://127.0.0.1:\(closed)",
            "TRADE_URL": "http://127.0.0.1:\(closed)", "LOG_LEVEL": "warning",
        ], logFolder: folder.path, waitForHealth: false)
        let port = gateway.port
        try await gateway.stopAfter {
            #expect(try await Eventually.holds { try await Self.healthcheck(port: port, ["--live"]) == 0 }, "\(gateway.log)")
            let health = try await TestClient(port: port, timeout: .seconds(10)).get("/health")
            #expect(health.status == 503, "\(health.text)")
            #expect(try await Self.healthcheck(port: port, []) == 1, "not ready: an upstream is down")
            #expect(try await Self.healthcheck(port: port, ["--live"]) == 0, "alive all the same")
        }
        #expect(try await Self.healthcheck(port: port, ["--live"]) == 1, "nothing listens any more")
        #expect(try await Self.healthcheck(port: port, []) == 1)
    }
}
