import Foundation
import Sockets

/// One of the suite's executables started as a real process on loopback, as the tests of the
/// whole suite need (and the crash test, which SIGKILLs it).
public final class ServiceProcess: @unchecked Sendable {
    /// The executable's name (`auth`, `stock`, `trade`, `gateway`).
    public let name: String
    /// The port it listens on.
    public let port: Int
    /// The environment it was started with.
    public let environment: [String: String]
    /// Where its stdout and stderr go.
    public let logPath: String
    private let process: ChildProcess

    /// The folder holding the built executables: the test bundle's own folder (`.build/debug`).
    public static var binaryFolder: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// A port for a real process that no port-0 bind can take meanwhile (see ``TradePorts``):
    /// below the kernel's ephemeral range, bindable now, and not in `excluding`.
    public static func freePort(excluding: Set<Int> = []) -> Int {
        TradePorts.outsideEphemeralRange(excluding: excluding)
    }

    /// A port that was free a moment ago (bind 0, read it, close): the fallback.
    static func ephemeralPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let address = SocketAddress(host: "127.0.0.1", port: 0)!
        _ = address.withSockaddr { bind(fd, $0, $1) }
        return (try? Socket.localAddress(fd).port) ?? 0
    }

    /// Starts `name` with `environment` (plus `HOST=127.0.0.1` and `PORT`) and waits until its
    /// `/health` answers 200 (or `waitForHealth` is false). `resourceLimits` are util-linux
    /// `prlimit` options (`--nofile=64:64`, `--fsize=…`), soft and hard so that the service cannot
    /// raise them; `prlimit` execs the service, so the process id stays the service's. `launcher` is
    /// a command that execs its last argument in turn (`["/usr/bin/taskset", "-c", "0"]`).
    public init(_ name: String, port: Int? = nil, environment: [String: String], logFolder: String,
                waitForHealth: Bool = true, resourceLimits: [String] = [], launcher: [String] = []) async throws {
        self.name = name
        self.port = port ?? Self.freePort()
        var env = ProcessInfo.processInfo.environment
        env["HOST"] = "127.0.0.1"
        env["PORT"] = String(self.port)
        for (key, value) in environment { env[key] = value }
        self.environment = env
        logPath = "\(logFolder)/\(name)-\(self.port).log"
        let binary = Self.binaryFolder.appendingPathComponent(name).path
        var command = launcher
        if !resourceLimits.isEmpty { command += ["/usr/bin/prlimit"] + resourceLimits + ["--"] }
        command.append(binary)
        process = try ChildProcess(executable: command[0], arguments: Array(command.dropFirst()), environment: env,
                                   outputPath: logPath)
        if waitForHealth { try await self.waitForHealth() }
    }

    /// Waits (at most `timeout`) for `/health` to answer 200.
    public func waitForHealth(timeout: Duration = .seconds(30)) async throws {
        let client = TestClient(port: port, timeout: .seconds(1))
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw StartFailure(name: name, log: log) }
            if let reply = try? await client.get("/health"), reply.status == 200 || (name == "gateway" && reply.status == 503) {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw StartFailure(name: name, log: log)
    }

    /// The process's output so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Its process id.
    public var pid: Int32 { process.pid }

    /// User plus system CPU time it has used so far, in seconds (`/proc/PID/stat`); `nil` if unreadable.
    public var cpuSeconds: Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// How many descriptors it has open (`/proc/PID/fd`); `nil` if unreadable.
    public var openDescriptors: Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    /// Whether it is still running.
    public var isRunning: Bool { process.isRunning }

    /// The exit status once it has exited.
    public var exitStatus: Int32 { process.terminationStatus }

    /// Sends `signal` (SIGTERM by default).
    public func signal(_ signal: Int32 = SIGTERM) {
        process.signal(signal)
    }

    /// Stops it (SIGSTOP) and returns once it can no longer answer: its sockets still accept,
    /// nothing reads them. ``resume()`` undoes it.
    public func suspend() {
        process.suspend()
    }

    /// Continues it after ``suspend()``.
    public func resume() {
        process.signal(SIGCONT)
    }

    /// Waits (bounded) for the process to exit; `true` if it did.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(15)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return !process.isRunning
    }

    /// Runs `body`, then ``stop()``s the process, whether `body` threw or not.
    public func stopAfter<T>(_ body: () async throws -> T) async throws -> T {
        let result: T
        do {
            result = try await body()
        } catch {
            await stop()
            throw error
        }
        await stop()
        return result
    }

    /// SIGTERM, then SIGKILL if it has not exited in time.
    public func stop() async {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if await !waitForExit(timeout: .seconds(12)) {
            signal(SIGKILL)
            await waitForExit(timeout: .seconds(5))
        }
    }

    /// The process exited or never became healthy.
    public struct StartFailure: Error, CustomStringConvertible {
        public let name: String
        public let log: String
        public var description: String { "\(name) did not become healthy; its log:\n\(log)" }
    }
}

/// A temporary folder removed by `remove()`.
public struct TemporaryFolder: Sendable {
    /// Its path.
    public let path: String

    /// Creates a new, empty folder under the system's temporary directory.
    public init(_ prefix: String = "trading-test") throws {
        path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Deletes it and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
