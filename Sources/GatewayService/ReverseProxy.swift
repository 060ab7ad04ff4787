import HTTP
import Routing
import ServiceKit
import Sockets

/// Forwards requests to one upstream service unchanged (method, path, query, body), minus the
/// hop-by-hop fields (RFC 9110 §7.6.1) both ways, with `X-Forwarded-For`/`-Proto` and
/// `X-Request-ID` added. Refused or broken upstreams are 502, slow ones 504.
struct ReverseProxy: Sendable {
    let name: String
    let client: HTTPClient
    let tokens: TokenService
    /// Paths whose token the gateway checks itself before forwarding (401 without a round trip).
    let requiresToken: @Sendable (Substring) -> Bool

    init(name: String, url: ServiceURL, timeoutMs: Int, group: EventLoopGroup, tokens: TokenService,
         requiresToken: @escaping @Sendable (Substring) -> Bool) {
        self.name = name
        client = HTTPClient(configuration: .init(host: url.host, port: url.port, timeout: .milliseconds(timeoutMs)),
                            group: group)
        self.tokens = tokens
        self.requiresToken = requiresToken
    }

    func forward(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        if requiresToken(request.path) { _ = try await tokens.authenticate(request) }
        var headers = request.headers
        Self.removeHopByHop(&headers)
        // We are the edge: whatever the client claims about forwarding is dropped (API.md).
        headers.remove("X-Forwarded-For")
        headers.remove("X-Forwarded-Proto")
        headers.remove("Forwarded")
        headers.add("X-Forwarded-For", request.peer)
        headers.add("X-Forwarded-Proto", "http")
        headers.set("X-Request-ID", context.requestID)
        let upstreamRequest = ClientRequest(method: request.method, target: request.target, headers: headers, body: request.body)
        let start = ContinuousClock.now
        let response: ClientResponse
        do {
            response = try await client.send(upstreamRequest)
        } catch {
            record(status: error == .timedOut ? 504 : 502, since: start)
            throw error == .timedOut ? Self.gatewayTimeout(name) : Self.badGateway(name)
        }
        record(status: response.status, since: start)
        var responseHeaders = response.headers
        Self.removeHopByHop(&responseHeaders)
        responseHeaders.remove("Content-Length")
        responseHeaders.remove("Date")
        responseHeaders.remove("X-Request-ID")
        return HTTPResponse(status: response.status, headers: responseHeaders, body: response.body)
    }

    private func record(status: Int, since start: ContinuousClock.Instant) {
        ServiceMetrics.counter("upstream_requests_total", [("upstream", name), ("status", String(status))]).increment()
        ServiceMetrics.timer("upstream_request_duration_seconds", [("upstream", name)]).recordInterval(.now - start)
    }

    /// `Connection` and every field it names, plus the fixed hop-by-hop list.
    static func removeHopByHop(_ headers: inout HTTPHeaders) {
        let named = headers.values("Connection").flatMap { $0.split(separator: ",").map { String($0.trimmingSpaces) } }
        for name in named where !name.isEmpty { headers.remove(name) }
        for name in ["Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade"] {
            headers.remove(name)
        }
    }

    static func badGateway(_ upstream: String) -> HTTPError {
        HTTPError(502, type: "/problems/bad-gateway", title: "Bad gateway",
                  detail: "The \(upstream) service could not be reached.")
    }

    static func gatewayTimeout(_ upstream: String) -> HTTPError {
        HTTPError(504, type: "/problems/gateway-timeout", title: "Gateway timeout",
                  detail: "The \(upstream) service did not answer in time.")
    }
}
