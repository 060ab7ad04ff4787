import Foundation
import HTTP
import Logging
import Routing
import ServiceKit

/// The auth service (port 5001): register, login, me (API.md "Auth").
public enum AuthService {
    /// Validates configuration, opens the database and starts serving.
    public static func start(environment: Environment, logger: Logger, limits: HTTPLimits = HTTPLimits()) async throws
        -> ServiceHost {
        let config = try AuthConfig(environment: environment)
        Environment.warnIfDevelopmentSecret(config.jwtSecretIsDevelopmentDefault, logger: logger)
        let store = try ConfigError.naming("DATABASE_PATH") {
            try UserStore(path: config.databasePath, busyTimeout: AuthConfig.sqliteBusyTimeout)
        }
        let tokens = await TokenService(secret: config.jwtSecret)
        // Bounded: each hash holds 128 × r × N bytes (32 MiB at the default cost), and a container's
        // core count can be far above what its memory limit allows (PITFALLS.md).
        let cores = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))
        let handlers = AuthHandlers(config: config, store: store, tokens: tokens,
                                    hasher: try PasswordHasher(logN: config.scryptLogN, threads: cores, limits: BlockingPool.Limits(
                                        queueMax: config.scryptQueueMax, queueWaitMax: .milliseconds(config.scryptQueueWaitMsMax),
                                        jobExpiry: .milliseconds(2 * config.scryptQueueWaitMsMax))),
                                    limiter: LoginLimiter(maxFailures: config.loginMaxFailures,
                                                          windowSeconds: config.loginLockoutSeconds,
                                                          entriesMax: config.loginLimiterEntriesMax))
        return try ServiceHost(config: config.common, logger: logger, limits: limits, routes: routes, endpoints: handlers,
                               authenticator: tokens, onShutdown: { try? await store.closeFromTask() })
    }

    /// The auth routes (API.md "Auth").
    static let routes: [Route<AuthHandlers>] = [
        Route("POST", "/auth/register", handler: { $0.register }),
        Route("POST", "/auth/login", handler: { $0.login }),
        Route("GET", "/auth/me", .token, handler: { $0.me }),
    ]
}
