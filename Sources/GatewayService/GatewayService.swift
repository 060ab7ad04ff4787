import Foundation
import HTTP
import Logging
import Routing
import ServiceKit
import Sockets

/// The gateway (port 5000): the one public port; routes by path prefix to auth, stock and trade,
/// checks tokens first where needed, rate-limits per client, and aggregates health
/// (API.md "Gateway").
public enum GatewayService {
    /// Validates configuration and starts serving.
    public static func start(environment: Environment, logger: Logger, limits: HTTPLimits = HTTPLimits()) async throws
        -> ServiceHost {
        let config = try GatewayConfig(environment: environment)
        Environment.warnIfDevelopmentSecret(config.jwtSecretIsDevelopmentDefault, logger: logger)
        let group = try ServiceHost.makeEventLoops(config.common)
        let tokens = await TokenService(secret: config.jwtSecret)
        let timeout = config.upstreamTimeoutMs
        let auth = ReverseProxy(name: "auth", url: config.authURL, timeoutMs: timeout, group: group, tokens: tokens) {
            $0 == "/auth/me"
        }
        let stock = ReverseProxy(name: "stock", url: config.stockURL, timeoutMs: timeout, group: group, tokens: tokens) { _ in false }
        // Trade refuses to start an order later than its own UPSTREAM_TIMEOUT_MS after receiving it
        // (TradeHandlers); the grace covers that order's commit and the trip back, so with equal
        // settings the gateway never answers 504 for an order that then executes.
        let trade = ReverseProxy(name: "trade", url: config.tradeURL, timeoutMs: timeout + GatewayConfig.tradeCommitGraceMs,
                                 group: group, tokens: tokens,
                                 honoursIdempotencyKey: ["/trade/buy", "/trade/sell", "/trade/orders"]) { _ in true }
        let health = AggregateHealth(upstreams: [("auth", config.authURL), ("stock", config.stockURL), ("trade", config.tradeURL)],
                                     group: group)
        let web = try WebAssets.load(environment: environment, logger: logger)  // the browser app (issue 25)
        let limiter = config.rateLimitRPS > 0 ? RateLimiter(rate: config.rateLimitRPS, burst: config.rateLimitBurst,
                                                              bucketsMax: config.rateLimitClientsMax) : nil
        // The same prefixes twice: the router's patterns, and the gateway's own path in front of it.
        let prefixes = [
            GatewayResponder.Prefix(pattern: "/auth/**", proxy: auth, path: "/auth", deeper: true),
            GatewayResponder.Prefix(pattern: "/stocks", proxy: stock, path: "/stocks", deeper: false),
            GatewayResponder.Prefix(pattern: "/stocks/**", proxy: stock, path: "/stocks", deeper: true),
            GatewayResponder.Prefix(pattern: "/trade/**", proxy: trade, path: "/trade", deeper: true),
        ]
        return try ServiceHost(config: config.common, logger: logger, limits: limits, group: group,
                               health: health.handle, routes: { router in
            if let limiter { router.add(RateLimitMiddleware(limiter: limiter)) }
            for prefix in prefixes { router.on("*", prefix.pattern, prefix.proxy.forward) }
            web?.addRoutes(to: &router)
        }, responder: { router in
            GatewayResponder(router: router, prefixes: prefixes, limiter: limiter, tokens: tokens,
                             observer: RequestObserver(logger: logger))
        })
    }
}

/// `GET /health` of the gateway: 200 when every upstream answers its own `/health` within 1 s,
/// else 503 with the failing ones marked `down`.
struct AggregateHealth: Sendable {
    private let clients: [(name: String, client: HTTPClient)]

    init(upstreams: [(String, ServiceURL)], group: EventLoopGroup) {
        clients = upstreams.map { name, url in
            (name, HTTPClient(configuration: .init(host: url.host, port: url.port, timeout: .seconds(1)), group: group))
        }
    }

    func handle(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let states = await withTaskGroup(of: (String, Bool).self) { group in
            for (name, client) in clients {
                group.addTask {
                    let response = try? await client.send(ClientRequest(method: "GET", target: "/health"))
                    return (name, response?.status == 200)
                }
            }
            var states: [String: Bool] = [:]
            for await (name, up) in group { states[name] = up }
            return states
        }
        let healthy = states.values.allSatisfy { $0 }
        var body = "{\"status\":\"\(healthy ? "ok" : "degraded")\",\"services\":{"
        body += clients.map { "\"\($0.name)\":\"\(states[$0.name] == true ? "ok" : "down")\"" }.joined(separator: ",")
        body += "}}"
        return HTTPResponse(status: healthy ? 200 : 503, contentType: JSONCoding.contentType, body: Array(body.utf8))
    }
}
