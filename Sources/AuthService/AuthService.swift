import Logging
import ServiceKit

/// The auth service (port 5001).
public enum AuthService {
    /// Validates configuration and starts serving.
    public static func start(environment: Environment, logger: Logger) async throws -> ServiceHost {
        let common = try CommonConfig(environment: environment, defaultPort: 5001)
        return try ServiceHost(config: common, logger: logger) { _ in }
    }
}
