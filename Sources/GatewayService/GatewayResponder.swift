#if canImport(Glibc)
import Glibc
#endif
import HTTP
import Routing
import ServiceKit
import Sockets

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
        let path: [UInt8]
        /// Whether deeper paths match (`**`).
        let deeper: Bool
        /// The pattern's request metrics.
        let series: ServiceMetrics.RouteSeries

        init(pattern: String, proxy: ReverseProxy, path: String, deeper: Bool) {
            self.pattern = pattern
            self.proxy = proxy
            self.path = Array(path.utf8)
            self.deeper = deeper
            series = ServiceMetrics.RouteSeries(route: pattern)
        }

        func matches(_ requestPath: UnsafeBufferPointer<UInt8>) -> Bool {
            guard requestPath.count >= path.count, path.withUnsafeBufferPointer({ own in
                memcmp(own.baseAddress!, requestPath.baseAddress!, own.count) == 0
            }) else { return false }
            return requestPath.count == path.count || (deeper && requestPath[path.count] == UInt8(ascii: "/"))
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

    func respond(to request: HTTPRequest, with handle: ResponseHandle) {
        guard let prefix = prefix(for: request),
              !prefix.proxy.requiresToken(request.path) || tokens.knownUser(request) != nil
        else {
            router.respond(to: request, with: handle)
            return
        }
        // The loop's clock, read once per iteration: the request arrived in this iteration.
        let finish = Finish(observer: observer, method: request.method, peer: request.peer, series: prefix.series,
                            requestID: observer.requestID(for: request), start: EventLoop.current?.now ?? .now,
                            handle: handle)
        if let limiter, let wait = limiter.take(request.peer) {
            finish.relay(.problem(for: RateLimiter.tooManyRequests(retryAfter: wait)))
            return
        }
        prefix.proxy.relay(request, requestID: finish.requestID, then: finish)
    }

    /// Only what the answer needs (not the request): the id, the log line, the metrics. A class:
    /// it travels through the relay's closure and the upstream job, and a struct of seven fields
    /// was copied (a retain per field) four times per request.
    final class Finish: RelayCompletion {
        let observer: RequestObserver
        let method: String
        let peer: String
        let series: ServiceMetrics.RouteSeries
        let requestID: String
        let start: ContinuousClock.Instant
        let handle: ResponseHandle

        init(observer: RequestObserver, method: String, peer: String, series: ServiceMetrics.RouteSeries,
             requestID: String, start: ContinuousClock.Instant, handle: ResponseHandle) {
            self.observer = observer
            self.method = method
            self.peer = peer
            self.series = series
            self.requestID = requestID
            self.start = start
            self.handle = handle
        }

        func relay(_ response: consuming HTTPResponse) {
            observer.finish(method: method, peer: peer, route: series.route, series: series, requestID: requestID,
                            start: start, response: &response)
            handle.send(response)
        }
    }

    private func prefix(for request: HTTPRequest) -> Prefix? {
        var target = request.target
        return target.withUTF8 { bytes in
            let pathEnd = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
            let path = UnsafeBufferPointer(rebasing: bytes[..<pathEnd])
            return prefixes.first { $0.matches(path) }
        }
    }
}
