import Money
import ServiceKit

/// The trade service's settings (API.md "Configuration").
public struct TradeConfig: Sendable {
    public var common: CommonConfig
    public var databasePath: String
    public var jwtSecret: String
    public var jwtSecretIsDevelopmentDefault: Bool
    /// Cash a new account starts with.
    public var initialCash: Cents
    public var idempotencyTTLSeconds: Int
    public var stockURL: ServiceURL
    public var upstreamTimeoutMs: Int
    /// The service's bounds (`PENDING_ORDERS_MAX`, SQLite's busy timeout).
    public var limits: TradeLimits
    /// The commission schedule (`COMMISSION_*`; free by default).
    public var fees: FeeSchedule

    /// Reads and validates the variables.
    public init(environment: Environment) throws {
        common = try CommonConfig(environment: environment, defaultPort: 5003)
        (jwtSecret, jwtSecretIsDevelopmentDefault) = try environment.jwtSecret()
        try common.restrictToLoopback(developmentSecret: jwtSecretIsDevelopmentDefault, environment: environment)
        let cash = environment.string("INITIAL_CASH", default: "10000.00")
        guard let parsed = Cents(parsing: cash), parsed.minorUnits <= 1_000_000_000_000_00 else {
            throw ConfigError("INITIAL_CASH", "must be a non-negative decimal amount with at most 2 decimals, got \"\(cash)\"")
        }
        initialCash = parsed
        idempotencyTTLSeconds = try environment.int("IDEMPOTENCY_TTL_SECONDS", default: 86_400, in: 1...31_536_000)
        stockURL = try environment.serviceURL("STOCK_URL", default: "http://127.0.0.1:5002")
        upstreamTimeoutMs = try environment.int("UPSTREAM_TIMEOUT_MS", default: 5000, in: 10...120_000)
        limits = try TradeLimits(environment: environment)
        fees = try FeeSchedule(environment: environment)
        databasePath = try environment.databasePath(service: "trade")
    }
}
