import HTTP
import Routing
import ServiceKit
import Sockets

/// Relays `/trade/...` to the trade shard that owns the token's user (``ShardMap``): the route
/// needs a token, so the authentication middleware has already set the user by the time this runs.
/// With one shard (`TRADE_URL`, the default) it is the plain relay to `trade`.
final class TradeShards: Sendable {
    let map: ShardMap
    let proxies: [ReverseProxy]

    init(map: ShardMap, timeoutMs: Int, group: EventLoopGroup, streams: StreamAdmission, streamIdleTimeoutMs: Int) {
        self.map = map
        let sharded = map.shards.count > 1
        proxies = map.shards.indices.map { index in
            ReverseProxy(name: Self.name(index, of: map), url: map.shards[index].url, timeoutMs: timeoutMs, group: group,
                         streams: streams, streamIdleTimeoutMs: streamIdleTimeoutMs,
                         honoursIdempotencyKey: ["/trade/buy", "/trade/sell", "/trade/orders"],
                         unreachableIsUnavailable: sharded)
        }
    }

    /// `trade` alone, `trade-0` … with several shards (the upstream label in metrics and `/health`).
    static func name(_ index: Int, of map: ShardMap) -> String {
        map.shards.count == 1 ? "trade" : "trade-\(index)"
    }

    /// The upstreams `/health` checks.
    var upstreams: [(String, ServiceURL)] {
        map.shards.indices.map { (Self.name($0, of: map), map.shards[$0].url) }
    }

    /// The route's ``Responder``.
    func respond(_ request: HTTPRequest, _ reply: Reply) {
        guard let user = reply.context.user else {
            // Unreachable: the route's access is `.token`, checked before this runs.
            reply.send(.problem(for: HTTPError.unauthorized("A Bearer token is required.")))
            return
        }
        proxies[proxies.count == 1 ? 0 : map.shardIndex(of: user.id)].respond(request, reply)
    }
}
