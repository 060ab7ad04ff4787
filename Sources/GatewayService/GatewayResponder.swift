import HTTP
import Routing
import ServiceKit

/// The gateway's front door. A proxied request that needs nothing awaited (no token, or one
/// already verified) is relayed straight from the event loop that read it: no task, no router,
/// no middleware chain, with the same request id, rate limit, metrics and log line that
/// ``ObservabilityMiddleware`` and ``RateLimitMiddleware`` give the router's path. Everything
/// else (`/health`, `/metrics`, unknown paths, tokens not seen before) goes to the router.
///
/// This path exists for speed (bench/RESULTS.md, gateway): it is where the gateway's CPU per
/// request went. The routes here must stay those ``GatewayService`` gives the router.
struct GatewayResponder: HTTPResponder {
    /// A path prefix, the route pattern it stands for in metrics and logs, and its upstream.
    struct Prefix: Sendable {
        let pattern: String
        let proxy: ReverseProxy
        /// The path itself matches too: `/stocks` as well as `/stocks/...`.
        let path: String
        /// Whether deeper paths match (`**`).
        let deeper: Bool

        func matches(_ requestPath: Substring) -> Bool {
            let path = self.path.utf8
            let request = requestPath.utf8
            guard request.starts(with: path) else { return false }
            if request.count == path.count { return true }
            return deeper && request[request.index(request.startIndex, offsetBy: path.count)] == UInt8(ascii: "/")
        }
    }

    let prefixes: [Prefix]
    let limiter: RateLimiter?
    let tokens: TokenService
    let observer: RequestObserver
    let router: AsyncResponder

    init(router: Router, prefixes: [Prefix], limiter: RateLimiter?, tokens: TokenService, observer: RequestObserver) {
        self.router = AsyncResponder { request in await router.respond(request) }
        self.prefixes = prefixes
        self.limiter = limiter
        self.tokens = tokens
        self.observer = observer
    }

    func respond(to request: HTTPRequest, done: @escaping @Sendable (HTTPResponse) -> Void) {
        let path = request.path
        guard let prefix = prefixes.first(where: { $0.matches(path) }),
              !prefix.proxy.requiresToken(path) || tokens.knownUser(request) != nil
        else {
            router.respond(to: request, done: done)
            return
        }
        let start = ContinuousClock.now
        let requestID = observer.requestID(for: request)
        if let limiter, let wait = limiter.take(request.peer) {
            var response = HTTPResponse.problem(for: RateLimiter.tooManyRequests(retryAfter: wait))
            observer.finish(request, route: prefix.pattern, requestID: requestID, start: start, response: &response)
            done(response)
            return
        }
        prefix.proxy.relay(request, requestID: requestID) { [observer] response in
            var response = response
            observer.finish(request, route: prefix.pattern, requestID: requestID, start: start, response: &response)
            done(response)
        }
    }
}
