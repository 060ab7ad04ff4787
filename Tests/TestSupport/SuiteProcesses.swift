import Foundation
import Synchronization

/// The whole suite as four real processes on loopback (auth, stock, trade, gateway), on ports chosen
/// up front so that every process is told the same addresses: `AUTH_URL`, `STOCK_URL` and
/// `TRADE_URL` point at those ports, one `JWT_SECRET`, `SCRYPT_LOG_N=10`, and each service's
/// `DATABASE_PATH` (and every log) in one temporary folder that `stopAll()` removes.
///
/// An upstream can be replaced by a URL (`replacing: ["stock": echo.url]`): that service is then not
/// started and the gateway (and trade, for stock) are pointed at the URL instead.
public final class SuiteProcesses: Sendable {
    /// The four executables, in start order (dependencies first).
    public static let services = ["auth", "stock", "trade"]
    /// The gateway's rate limit is off unless a test sets it: suite tests send bursts from one peer.
    public static let rateLimitOff = ["RATE_LIMIT_RPS": "0"]

    /// Holds the databases and the logs.
    public let folder: TemporaryFolder
    /// The shared HS256 secret.
    public let secret: String
    /// The port of each of `auth`, `stock`, `trade`, `gateway`.
    public let ports: [String: Int]
    /// The URL each of auth, stock and trade is reached at (the replacement when replaced).
    public let urls: [String: String]
    private let environments: [String: [String: String]]
    private let running = Mutex<[String: ServiceProcess]>([:])
    /// Every process started, including the ones replaced by a restart (their logs stay readable).
    private let history = Mutex<[String: [ServiceProcess]]>([:])

    /// Starts the suite and waits for every process's `/health`.
    /// - Parameters:
    ///   - environment: extra variables per service name (`"stock": ["API_KEY": "k"]`, `"gateway": ...`).
    ///   - replacing: service name → URL of a stand-in; that service is not started.
    public init(environment: [String: [String: String]] = [:], replacing: [String: String] = [:]) async throws {
        folder = try TemporaryFolder("suite")
        secret = "suite-secret-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        var ports: [String: Int] = [:]
        for name in Self.services + ["gateway"] {
            ports[name] = ServiceProcess.freePort(excluding: Set(ports.values))
        }
        self.ports = ports
        var urls: [String: String] = [:]
        for name in Self.services { urls[name] = replacing[name] ?? "http://127.0.0.1:\(ports[name]!)" }
        self.urls = urls
        let common = ["JWT_SECRET": secret, "LOG_LEVEL": "info", "SCRYPT_LOG_N": "10", "API_KEY": ""]
        var environments: [String: [String: String]] = [:]
        for name in Self.services {
            environments[name] = common.merging(["DATABASE_PATH": "\(folder.path)/\(name).sqlite"]) { $1 }
        }
        environments["trade"]!["STOCK_URL"] = urls["stock"]
        environments["gateway"] = common.merging(Self.rateLimitOff) { $1 }.merging([
            "AUTH_URL": urls["auth"]!, "STOCK_URL": urls["stock"]!, "TRADE_URL": urls["trade"]!,
        ]) { $1 }
        for (name, extra) in environment { environments[name, default: common].merge(extra) { $1 } }
        self.environments = environments
        do {
            // auth and stock need nothing; trade and the gateway only need them at request time,
            // but starting in dependency order keeps the logs readable.
            for name in Self.services where replacing[name] == nil { try await start(name) }
            try await start("gateway")
        } catch {
            await stopAll()
            throw error
        }
    }

    /// The gateway's port.
    public var gatewayPort: Int { ports["gateway"]! }

    /// A client for the gateway.
    public func gateway(timeout: Duration = .seconds(10)) -> TestClient { TestClient(port: gatewayPort, timeout: timeout) }

    /// The running process `name`, if any.
    public func process(_ name: String) -> ServiceProcess? { running.withLock { $0[name] } }

    /// Starts `name` on its port (again, after `stop(name)`), with the suite's environment.
    public func start(_ name: String) async throws {
        let process = try await ServiceProcess(name, port: ports[name]!, environment: environments[name] ?? [:],
                                               logFolder: folder.path)
        running.withLock { $0[name] = process }
        history.withLock { $0[name, default: []].append(process) }
    }

    /// SIGTERM (then SIGKILL if needed) and waits for `name` to exit; its exit status.
    @discardableResult
    public func stop(_ name: String) async -> Int32? {
        guard let process = running.withLock({ $0.removeValue(forKey: name) }) else { return nil }
        await process.stop()
        return process.isRunning ? nil : process.exitStatus
    }

    /// Stops `name` and starts it again on the same port.
    public func restart(_ name: String) async throws {
        await stop(name)
        try await start(name)
    }

    /// Everything `name` has logged, across restarts.
    public func log(_ name: String) -> String {
        history.withLock { $0[name] ?? [] }.map(\.log).joined(separator: "\n")
    }

    /// Every log, labelled, for failure messages.
    public var allLogs: String {
        (Self.services + ["gateway"]).map { "---- \($0) ----\n\(log($0))" }.joined(separator: "\n")
    }

    /// Stops every process (gateway first) and removes the folder. Idempotent.
    public func stopAll() async {
        await stop("gateway")
        await withTaskGroup(of: Void.self) { group in
            for name in Self.services { group.addTask { await self.stop(name) } }
        }
        folder.remove()
    }
}
