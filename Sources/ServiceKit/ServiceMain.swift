import Foundation
import HTTP
import Logging
import ServiceLifecycle

/// What every executable's `main.swift` calls: the `healthcheck` subcommand, logging bootstrap,
/// configuration errors as one line and exit 2, serving until SIGTERM/SIGINT, exit 0.
public enum ServiceMain {
    /// Runs the service named `name`. `start` validates configuration and starts serving.
    public static func run(name: String, defaultPort: Int,
                           start: @Sendable (Environment, Logger) async throws -> ServiceHost) async -> Never {
        let environment = Environment()
        if CommandLine.arguments.dropFirst().first == "healthcheck" {
            let port = (try? environment.port(default: defaultPort)) ?? defaultPort
            let live = CommandLine.arguments.dropFirst(2).first == "--live"
            exit(HealthCheck.isHealthy(port: port, liveOnly: live) ? 0 : 1)
        }
        let level: Logger.Level
        do {
            level = try environment.logLevel()
        } catch {
            fail(error)
        }
        LoggingSystem.bootstrap { _ in LogfmtLogHandler(service: name, level: level) }
        let logger = Logger(label: name)
        let host: ServiceHost
        do {
            host = try await start(environment, logger)
        } catch {
            fail(error)
        }
        logger.info("listening", metadata: ["port": "\(host.port)", "pid": "\(getpid())", "loops": "\(host.loopCount)"])
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: HostService(host: host))], logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        let group = ServiceGroup(configuration: configuration)
        do {
            try await group.run()
        } catch {
            logger.error("stopped with an error", metadata: ["error": "\(error)"])
            exit(1)
        }
        logger.info("stopped")
        exit(0)
    }

    private static func fail(_ error: any Error) -> Never {
        let line = (error as? ConfigError)?.description ?? "start-up failed: \(error)"
        FileHandle.standardError.write(Data((line + "\n").utf8))
        exit(2)
    }
}

/// Bridges the host into ServiceLifecycle: serve until the group asks for a graceful shutdown.
struct HostService: Service {
    let host: ServiceHost

    func run() async throws {
        try? await gracefulShutdown()
        await host.shutdown()
    }
}
