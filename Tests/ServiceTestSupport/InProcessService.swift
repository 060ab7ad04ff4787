import Logging
import ServiceKit
import TestSupport

/// A service started in-process on port 0 over a temporary folder (its SQLite file), with a client.
/// The auth and stock test targets both start theirs this way; a module of its own because it needs
/// ServiceKit, which TestSupport (also built by the sanitizers' small package) must not.
public struct InProcessService: Sendable {
    public let host: ServiceHost
    public let client: TestClient
    public let folder: TemporaryFolder
    public var port: Int { host.port }

    public init(host: ServiceHost, folder: TemporaryFolder) {
        self.host = host
        self.client = TestClient(port: host.port, timeout: .seconds(10))
        self.folder = folder
    }

    /// Errors only: the access log of every in-process request would drown the test output.
    public static let logger: Logger = {
        var logger = Logger(label: "auth-stock-tests")
        logger.logLevel = .error
        return logger
    }()

    /// Makes a folder named after `prefix`, starts the service on it with `start`, runs `body`, and
    /// always shuts the service down and removes the folder (also when `start` or `body` throws).
    public static func with(_ prefix: String, start: (TemporaryFolder) async throws -> InProcessService,
                            _ body: (InProcessService) async throws -> Void) async throws {
        let folder = try TemporaryFolder(prefix)
        let service: InProcessService
        do {
            service = try await start(folder)
        } catch {
            folder.remove()
            throw error
        }
        do {
            try await body(service)
        } catch {
            await service.host.shutdown()
            folder.remove()
            throw error
        }
        await service.host.shutdown()
        folder.remove()
    }
}
