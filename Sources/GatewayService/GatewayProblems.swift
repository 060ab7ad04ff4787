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
    /// The client holds `STREAMS_PER_PEER_MAX` event streams already (429).
    case tooManyStreams(perPeerMax: Int)
    /// The gateway holds `STREAMS_MAX` event streams already (503).
    case streamsExhausted
}

/// Every problem type the gateway answers of its own.
enum GatewayProblems {
    static let rateLimited = ProblemType(429, "/problems/rate-limited", title: "Too many requests")
    static let badGateway = ProblemType(502, "/problems/bad-gateway", title: "Bad gateway")
    static let gatewayTimeout = ProblemType(504, "/problems/gateway-timeout", title: "Gateway timeout")
    static let tooManyStreams = ProblemType(429, "/problems/too-many-streams", title: "Too many streams")
    static let streamsExhausted = ProblemType(503, "/problems/streams-exhausted", title: "No stream available")

    /// The gateway's kinds (the registry `ProblemRegistryTests` checks against `openapi.yaml`).
    package static let all: [ProblemType] = [rateLimited, badGateway, gatewayTimeout, tooManyStreams, streamsExhausted]
}

extension GatewayRejection: ProblemOutcome {
    var problemType: ProblemType {
        switch self {
        case .rateLimited: GatewayProblems.rateLimited
        case .badGateway: GatewayProblems.badGateway
        case .gatewayTimeout: GatewayProblems.gatewayTimeout
        case .shardUnavailable: HTTPProblems.serviceUnavailable
        case .tooManyStreams: GatewayProblems.tooManyStreams
        case .streamsExhausted: GatewayProblems.streamsExhausted
        }
    }

    var detail: String {
        switch self {
        case .rateLimited: "This client is over its request rate; slow down."
        case .badGateway(let upstream): "The \(upstream) service could not be reached."
        case .gatewayTimeout(let upstream): "The \(upstream) service did not answer in time."
        case .shardUnavailable(let shard):
            "The trade shard holding this account (\(shard)) cannot be reached; nothing was changed by this request."
        case .tooManyStreams(let max): "This client holds \(max) event streams already; close one first."
        case .streamsExhausted: "The gateway holds as many event streams as it can; retry later."
        }
    }

    var headers: HTTPHeaders {
        switch self {
        case .rateLimited(let seconds): ["Retry-After": String(seconds)]
        case .shardUnavailable: ["Retry-After": String(GatewayConfig.shardRetryAfterSeconds)]
        // A stream lasts until closed; 5 s is a guess at when one might be, and a client's
        // EventSource retries on its own schedule (a few seconds) anyway. Every 429 says when.
        case .streamsExhausted, .tooManyStreams: ["Retry-After": "5"]
        case .badGateway, .gatewayTimeout: HTTPHeaders()
        }
    }

    var outcome: String {
        switch self {
        case .rateLimited: "rate-limited"
        case .badGateway: "bad-gateway"
        case .gatewayTimeout: "gateway-timeout"
        case .shardUnavailable: "shard-unavailable"
        case .tooManyStreams: "too-many-streams"
        case .streamsExhausted: "streams-exhausted"
        }
    }
}
