import ServiceKit

/// The gateway's settings (API.md "Configuration").
public struct GatewayConfig: Sendable {
    public var common: CommonConfig
    public var jwtSecret: String
    public var jwtSecretIsDevelopmentDefault: Bool
    public var authURL: ServiceURL
    public var stockURL: ServiceURL
    public var tradeURL: ServiceURL
    public var upstreamTimeoutMs: Int
    /// Tokens per second per client address; 0 turns rate limiting off.
    public var rateLimitRPS: Int
    public var rateLimitBurst: Int

    /// Reads and validates the variables.
    public init(environment: Environment) throws {
        common = try CommonConfig(environment: environment, defaultPort: 5000)
        (jwtSecret, jwtSecretIsDevelopmentDefault) = try environment.jwtSecret()
        try common.restrictToLoopback(developmentSecret: jwtSecretIsDevelopmentDefault, environment: environment)
        authURL = try environment.serviceURL("AUTH_URL", default: "http://127.0.0.1:5001")
        stockURL = try environment.serviceURL("STOCK_URL", default: "http://127.0.0.1:5002")
        tradeURL = try environment.serviceURL("TRADE_URL", default: "http://127.0.0.1:5003")
        upstreamTimeoutMs = try environment.int("UPSTREAM_TIMEOUT_MS", default: 5000, in: 10...120_000)
        rateLimitRPS = try environment.int("RATE_LIMIT_RPS", default: 100, in: 0...1_000_000)
        rateLimitBurst = try environment.int("RATE_LIMIT_BURST", default: 200, in: 0...10_000_000)
        if rateLimitRPS > 0 && rateLimitBurst < 1 {
            throw ConfigError("RATE_LIMIT_BURST", "must be at least 1 when RATE_LIMIT_RPS is set")
        }
    }
}
