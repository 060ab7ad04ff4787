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
        // Trade refuses to start an order later than its own UPSTREAM_TIMEOUT_MS after receiving it
        // (TradeHandlers); the grace covers that order's commit and the trip back, so with equal
        // settings the gateway never answers 504 for an order that then executes.
        let streams = StreamAdmission(streamsMax: config.streamsMax, streamsPerPeerMax: config.streamsPerPeerMax)
        let idle = config.streamIdleTimeoutMs
        let endpoints = Endpoints(
            auth: ReverseProxy(name: "auth", url: config.authURL, timeoutMs: timeout, group: group, streams: streams,
                               streamIdleTimeoutMs: idle),
            stock: ReverseProxy(name: "stock", url: config.stockURL, timeoutMs: timeout, group: group, streams: streams,
                                streamIdleTimeoutMs: idle),
            trade: TradeShards(map: config.tradeShards, timeoutMs: timeout + GatewayConfig.tradeCommitGraceMs, group: group,
                               streams: streams, streamIdleTimeoutMs: idle),
            web: try WebAssets.load(environment: environment, logger: logger))
        let upstreams = [("auth", config.authURL), ("stock", config.stockURL)] + endpoints.trade.upstreams
        let health = AggregateHealth(upstreams: upstreams,
                                     timeoutMs: GatewayConfig.upstreamHealthTimeoutMs, group: group)
        let limiter = config.rateLimitRPS > 0 ? RateLimiter(rate: config.rateLimitRPS, burst: config.rateLimitBurst,
                                                              bucketsMax: config.rateLimitClientsMax) : nil
        return try ServiceHost(config: config.common, logger: logger, limits: limits, group: group, routes: routes,
                               endpoints: endpoints, health: .handler(health.handle),
                               middleware: limiter.map { [RateLimitMiddleware(limiter: $0)] } ?? [], authenticator: tokens)
    }

    /// What answers the gateway's routes: the upstreams they relay to.
    struct Endpoints: Sendable {
        let auth: ReverseProxy
        let stock: ReverseProxy
        /// One relay per trade shard, chosen by the token's user.
        let trade: TradeShards
        /// The browser app (issue 25); `nil` when no `Web/` folder was found (its routes answer 404).
        let web: WebAssets?
    }

    /// The gateway's routes (API.md "Gateway"): relayed from the event loop with no task per
    /// request. The token is checked here first on `/auth/me` and `/trade/...` (401 without a round
    /// trip); the services check it again.
    static let routes: [Route<Endpoints>] = [
        Route("*", "/auth/**", .tokenOn(["/auth/me"]), responder: { $0.auth.respond }),
        Route("*", "/stocks", responder: { $0.stock.respond }),
        Route("*", "/stocks/**", responder: { $0.stock.respond }),
        Route("*", "/trade/**", .token, responder: { $0.trade.respond }),
        Route("GET", "/", handler: { endpoints in
            { request, context in try await endpoints.web?.page(request, context) ?? WebAssets.notFound(request) }
        }),
        Route("GET", "/assets/{version}/{file}", handler: { endpoints in
            { request, context in try await endpoints.web?.asset(request, context) ?? WebAssets.notFound(request) }
        }),
    ]
}

/// `GET /health` of the gateway: 200 when every upstream answers its own `/health` within
/// ``GatewayConfig/upstreamHealthTimeoutMs``, else 503 with the failing ones marked `down`.
struct AggregateHealth: Sendable {
    private let clients: [(name: String, client: HTTPClient)]

    init(upstreams: [(String, ServiceURL)], timeoutMs: Int, group: EventLoopGroup) {
        clients = upstreams.map { name, url in
            (name, HTTPClient(configuration: .init(host: url.host, port: url.port, timeout: .milliseconds(timeoutMs)),
                              group: group))
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
