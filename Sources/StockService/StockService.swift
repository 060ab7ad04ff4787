import Logging
import ServiceKit

/// The stock service (port 5002).
public enum StockService {
    /// Validates configuration and starts serving.
    public static func start(environment: Environment, logger: Logger) async throws -> ServiceHost {
        let common = try CommonConfig(environment: environment, defaultPort: 5002)
        return try ServiceHost(config: common, logger: logger) { _ in }
    }
}
