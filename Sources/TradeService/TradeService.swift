import Logging
import ServiceKit

/// The trade service (port 5003).
public enum TradeService {
    /// Validates configuration and starts serving.
    public static func start(environment: Environment, logger: Logger) async throws -> ServiceHost {
        let common = try CommonConfig(environment: environment, defaultPort: 5003)
        return try ServiceHost(config: common, logger: logger) { _ in }
    }
}
