import HTTP
import Routing
import ServiceKit

/// Refuses a request whose user's account this shard does not hold, after authentication has set
/// the user: 421 `/problems/wrong-shard` for another shard's slot (a gateway with a wrong map, or a
/// request sent around the gateway), 503 with `Retry-After` while the slot moves. Never serves it
/// from an empty account. Every method but GET and HEAD counts as a write.
struct ShardMiddleware: Middleware {
    let ownership: SlotOwnership

    func before(_ request: HTTPRequest, _ context: inout RequestContext) throws -> MiddlewareStep {
        guard let user = context.user else { return .next }  // an open route (/health, /metrics)
        try ownership.check(userID: user.id, write: !(request.method == "GET" || request.method == "HEAD"))
        return .next
    }
}

/// Why this shard refused a request for an account it does not serve now.
enum ShardRejection: Error, Equatable, Sendable {
    /// The account's slot belongs to another shard (421 Misdirected Request, RFC 9110 §15.5.20:
    /// this server cannot give an authoritative answer for it).
    case wrongShard(slot: Int)
    /// The account's slot is being moved to another shard, or has just been (503, `Retry-After`).
    case slotMoving(slot: Int)
}

extension ShardRejection: ProblemOutcome {
    var problemType: ProblemType {
        switch self {
        case .wrongShard: TradeProblems.wrongShard
        case .slotMoving: HTTPProblems.serviceUnavailable
        }
    }

    var detail: String {
        switch self {
        case .wrongShard(let slot): "This trade shard does not hold this account (slot \(slot)); nothing was changed."
        case .slotMoving(let slot): "This account (slot \(slot)) is moving between trade shards; nothing was changed. Try again shortly."
        }
    }

    var headers: HTTPHeaders {
        switch self {
        case .wrongShard: HTTPHeaders()
        case .slotMoving: ["Retry-After": String(TradeLimits.retryAfterSeconds)]
        }
    }

    var outcome: String {
        switch self {
        case .wrongShard: "wrong-shard"
        case .slotMoving: "slot-moving"
        }
    }
}
