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
    /// Usernames the login limiter remembers at most (`LOGIN_LIMITER_ENTRIES_MAX`); each entry is a
    /// 32-byte key and at most `loginMaxFailures` times, so this bounds the table's bytes too.
    public var loginLimiterEntriesMax: Int
    /// scrypt cost for new hashes: N = 2^scryptLogN.
    public var scryptLogN: Int
    /// Password hashes that may wait in each of the scrypt pool's two lines (`SCRYPT_QUEUE_MAX`).
    public var scryptQueueMax: Int
    /// The longest expected wait a hash is admitted with (`SCRYPT_QUEUE_WAIT_MS_MAX`); past it 503. A hash
    /// that has waited twice this long is dropped (503) instead of run: the estimate was wrong, and at the
    /// default (2 s) its answer would come too close to the gateway's 5 s `UPSTREAM_TIMEOUT_MS`.
    public var scryptQueueWaitMsMax: Int
    /// How long a statement waits for another connection's lock on the users file before SQLITE_BUSY
    /// (one writer per file; only a second process, such as a backup, ever holds it that long).
    public static let sqliteBusyTimeout: Duration = .seconds(5)

    /// Reads and validates the variables.
    public init(environment: Environment) throws {
        common = try CommonConfig(environment: environment, defaultPort: 5001)
        (jwtSecret, jwtSecretIsDevelopmentDefault) = try environment.jwtSecret()
        try common.restrictToLoopback(developmentSecret: jwtSecretIsDevelopmentDefault, environment: environment)
        tokenTTLSeconds = try environment.int("TOKEN_TTL_SECONDS", default: 3600, in: 1...31_536_000)
        loginMaxFailures = try environment.int("LOGIN_MAX_FAILURES", default: 5, in: 1...1000)
        loginLockoutSeconds = try environment.int("LOGIN_LOCKOUT_SECONDS", default: 60, in: 1...86_400)
        loginLimiterEntriesMax = try environment.int("LOGIN_LIMITER_ENTRIES_MAX", default: 100_000, in: 100...10_000_000)
        scryptLogN = try environment.int("SCRYPT_LOG_N", default: 15, in: 10...20)
        scryptQueueMax = try environment.int("SCRYPT_QUEUE_MAX", default: 64, in: 1...100_000)
        scryptQueueWaitMsMax = try environment.int("SCRYPT_QUEUE_WAIT_MS_MAX", default: 2000, in: 1...60_000)
        databasePath = try environment.databasePath(service: "auth")
    }
}
