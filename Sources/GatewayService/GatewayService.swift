import Logging
import ServiceKit

/// The gateway service (port 5000).
public enum GatewayService {
    /// Validates configuration and starts serving.
    public static func start(environment: Environment, logger: Logger) async throws -> ServiceHost {
        let common = try CommonConfig(environment: environment, defaultPort: 5000)
        return try ServiceHost(config: common, logger: logger) { _ in }
    }
}
