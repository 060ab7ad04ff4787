import HTTP
import Routing

/// Why the gateway answered a request itself instead of relaying the service's answer. Each case is
/// answered as one problem type, in ``GatewayProblems`` below: the one registry of what the gateway
/// adds to the services' answers.
enum GatewayRejection: Error, Equatable, Sendable {
    /// The client is over its rate; a token is back in `retryAfterSeconds` (429).
    case rateLimited(retryAfterSeconds: Int)
    /// The named upstream service could not be reached (502).
    case badGateway(upstream: String)
    /// The named upstream service did not answer within `UPSTREAM_TIMEOUT_MS` (504).
    case gatewayTimeout(upstream: String)
    /// The trade shard that owns the account could not be reached (503): with several shards the
    /// gateway and the other shards are fine, so this is "that account, try again", not a 502.
    case shardUnavailable(shard: String)
}

/// Every problem type the gateway answers of its own.
enum GatewayProblems {
    static let rateLimited = ProblemType(429, "/problems/rate-limited", title: "Too many requests")
    static let badGateway = ProblemType(502, "/problems/bad-gateway", title: "Bad gateway")
    static let gatewayTimeout = ProblemType(504, "/problems/gateway-timeout", title: "Gateway timeout")

    /// The gateway's kinds (the registry `ProblemRegistryTests` checks against `openapi.yaml`).
    package static let all: [ProblemType] = [rateLimited, badGateway, gatewayTimeout]
}

extension GatewayRejection: ProblemOutcome {
    var problemType: ProblemType {
        switch self {
        case .rateLimited: GatewayProblems.rateLimited
        case .badGateway: GatewayProblems.badGateway
        case .gatewayTimeout: GatewayProblems.gatewayTimeout
        case .shardUnavailable: HTTPProblems.serviceUnavailable
        }
    }

    var detail: String {
        switch self {
        case .rateLimited: "This client is over its request rate; slow down."
        case .badGateway(let upstream): "The \(upstream) service could not be reached."
        case .gatewayTimeout(let upstream): "The \(upstream) service did not answer in time."
        case .shardUnavailable(let shard):
            "The trade shard holding this account (\(shard)) cannot be reached; nothing was changed by this request."
        }
    }

    var headers: HTTPHeaders {
        switch self {
        case .rateLimited(let seconds): ["Retry-After": String(seconds)]
        case .shardUnavailable: ["Retry-After": String(GatewayConfig.shardRetryAfterSeconds)]
        case .badGateway, .gatewayTimeout: HTTPHeaders()
        }
    }

    var outcome: String {
        switch self {
        case .rateLimited: "rate-limited"
        case .badGateway: "bad-gateway"
        case .gatewayTimeout: "gateway-timeout"
        case .shardUnavailable: "shard-unavailable"
        }
    }
}
