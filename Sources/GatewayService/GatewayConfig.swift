import ServiceKit

/// The gateway's settings (API.md "Configuration").
public struct GatewayConfig: Sendable {
    public var common: CommonConfig
    public var jwtSecret: String
    public var jwtSecretIsDevelopmentDefault: Bool
    public var authURL: ServiceURL
    public var stockURL: ServiceURL
    /// `TRADE_URL`: the one trade process that owns every account, unless `TRADE_SHARDS` is set.
    public var tradeURL: ServiceURL
    /// Which trade shard owns each account slot: `TRADE_SHARDS`, or `TRADE_URL` owning all of them.
    public var tradeShards: ShardMap
    public var upstreamTimeoutMs: Int
    /// How much longer than `UPSTREAM_TIMEOUT_MS` the gateway waits for trade. Trade starts no order
    /// later than its own `UPSTREAM_TIMEOUT_MS` after receiving it; what may follow is that order's
    /// commit (one fsync, milliseconds) and the answer's trip back. Without this grace an order
    /// could commit just as the gateway gives up: a 504 for an order that executed.
    public static let tradeCommitGraceMs = 1_000
    /// How long `GET /health` waits for each upstream's own `/health` before marking it `down`
    /// (API.md "Gateway": "within 1 s").
    public static let upstreamHealthTimeoutMs = 1_000
    /// `Retry-After` of the 503 for an unreachable trade shard: about a pod's restart on a
    /// liveness failure, and the trade service's own `Retry-After`.
    public static let shardRetryAfterSeconds = 5
    /// Tokens per second per client address; 0 turns rate limiting off.
    public var rateLimitRPS: Int
    public var rateLimitBurst: Int
    /// `RATE_LIMIT_CLIENTS_MAX`: token buckets kept (one per IPv4 address or IPv6 /64); about 64
    /// bytes each, so the default 100,000 is under 8 MiB. Past it the fullest buckets are dropped.
    public var rateLimitClientsMax: Int
    /// `STREAMS_MAX`: event streams relayed at once (``StreamAdmission``). Each holds a client
    /// connection and an upstream one, so the default is half of `MAX_CONNECTIONS`' 10,000.
    public var streamsMax: Int
    /// `STREAMS_PER_PEER_MAX`: event streams one client (address or /64) may hold; past it 429.
    /// A browser keeps at most 6 HTTP/1.1 connections per host, so 16 leaves room for a few tabs
    /// or a small office behind one address, while 16 is 0.3% of `STREAMS_MAX`.
    public var streamsPerPeerMax: Int
    /// `STREAM_IDLE_TIMEOUT_MS`: how long a relayed stream may be silent, heartbeats included,
    /// before the gateway takes its upstream for dead and ends it (three 15 s heartbeats).
    public var streamIdleTimeoutMs: Int

    /// Reads and validates the variables.
    public init(environment: Environment) throws {
        // 512 per client: above the benchmarks' 256 connections from one address, while it takes
        // 20 addresses to fill MAX_CONNECTIONS' default 10,000: one client cannot take every place.
        common = try CommonConfig(environment: environment, defaultPort: 5000, defaultConnectionsPerPeerMax: 512)
        (jwtSecret, jwtSecretIsDevelopmentDefault) = try environment.jwtSecret()
        try common.restrictToLoopback(developmentSecret: jwtSecretIsDevelopmentDefault, environment: environment)
        authURL = try environment.serviceURL("AUTH_URL", default: "http://127.0.0.1:5001")
        stockURL = try environment.serviceURL("STOCK_URL", default: "http://127.0.0.1:5002")
        tradeURL = try environment.serviceURL("TRADE_URL", default: "http://127.0.0.1:5003")
        if let shards = environment.raw("TRADE_SHARDS") {
            guard environment.raw("TRADE_URL") == nil else {
                throw ConfigError("TRADE_SHARDS", "and TRADE_URL are both set; TRADE_SHARDS names every trade shard")
            }
            tradeShards = try ShardMap(parsing: shards, variable: "TRADE_SHARDS")
        } else {
            tradeShards = ShardMap(single: tradeURL)
        }
        upstreamTimeoutMs = try environment.int("UPSTREAM_TIMEOUT_MS", default: 5000, in: 10...120_000)
        rateLimitRPS = try environment.int("RATE_LIMIT_RPS", default: 100, in: 0...1_000_000)
        rateLimitBurst = try environment.int("RATE_LIMIT_BURST", default: 200, in: 0...10_000_000)
        rateLimitClientsMax = try environment.int("RATE_LIMIT_CLIENTS_MAX", default: RateLimiter.bucketsMax, in: 8...10_000_000)
        streamsMax = try environment.int("STREAMS_MAX", default: 5_000, in: 1...1_000_000)
        streamsPerPeerMax = try environment.int("STREAMS_PER_PEER_MAX", default: 16, in: 1...1_000_000)
        streamIdleTimeoutMs = try environment.int("STREAM_IDLE_TIMEOUT_MS", default: 45_000, in: 100...3_600_000)
        if rateLimitRPS > 0 && rateLimitBurst < 1 {
            throw ConfigError("RATE_LIMIT_BURST", "must be at least 1 when RATE_LIMIT_RPS is set")
        }
    }
}
