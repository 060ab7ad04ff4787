import ServiceKit

/// The auth service's settings (API.md "Configuration").
public struct AuthConfig: Sendable {
    public var common: CommonConfig
    public var databasePath: String
    public var jwtSecret: String
    public var jwtSecretIsDevelopmentDefault: Bool
    public var tokenTTLSeconds: Int
    public var loginMaxFailures: Int
    public var loginLockoutSeconds: Int
    /// scrypt cost for new hashes: N = 2^scryptLogN.
    public var scryptLogN: Int

    /// Reads and validates the variables.
    public init(environment: Environment) throws {
        common = try CommonConfig(environment: environment, defaultPort: 5001)
        (jwtSecret, jwtSecretIsDevelopmentDefault) = try environment.jwtSecret()
        tokenTTLSeconds = try environment.int("TOKEN_TTL_SECONDS", default: 3600, in: 1...31_536_000)
        loginMaxFailures = try environment.int("LOGIN_MAX_FAILURES", default: 5, in: 1...1000)
        loginLockoutSeconds = try environment.int("LOGIN_LOCKOUT_SECONDS", default: 60, in: 1...86_400)
        scryptLogN = try environment.int("SCRYPT_LOG_N", default: 15, in: 10...20)
        databasePath = try environment.databasePath(service: "auth")
    }
}
