import HTTP
import Routing
import ServiceKit
import Sockets
import Metrics
import Synchronization

/// Forwards requests to one upstream service unchanged (method, path, query, body), minus the
/// hop-by-hop fields (RFC 9110 §7.6.1) both ways, with `X-Forwarded-For`/`-Proto` and
/// `X-Request-ID` added. Refused or broken upstreams are 502, slow ones 504.
struct ReverseProxy: Sendable {
    let name: String
    let client: HTTPClient
    let metrics: UpstreamMetrics
    let tokens: TokenService
    /// Paths whose token the gateway checks itself before forwarding (401 without a round trip).
    let requiresToken: @Sendable (Substring) -> Bool

    init(name: String, url: ServiceURL, timeoutMs: Int, group: EventLoopGroup, tokens: TokenService,
         requiresToken: @escaping @Sendable (Substring) -> Bool) {
        self.name = name
        metrics = UpstreamMetrics(upstream: name)
        client = HTTPClient(configuration: .init(host: url.host, port: url.port, timeout: .milliseconds(timeoutMs)),
                            group: group)
        self.tokens = tokens
        self.requiresToken = requiresToken
    }

    func forward(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        if requiresToken(request.path) { _ = try await tokens.authenticate(request) }
        var headers = request.headers
        // We are the edge: whatever the client claims about forwarding is dropped (API.md).
        Self.removeHopByHop(&headers, alsoRemoving: Self.clientForwardingFields)
        headers.add("X-Forwarded-For", request.peer)
        headers.add("X-Forwarded-Proto", "http")
        headers.add("X-Request-ID", context.requestID)
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
        // HEAD keeps the upstream's Content-Length: it is the GET's length, not the empty body's.
        Self.removeHopByHop(&responseHeaders,
                            alsoRemoving: request.method == "HEAD" ? Self.upstreamHeadFields : Self.upstreamFramingFields)
        return HTTPResponse(status: response.status, headers: responseHeaders, body: response.body)
    }

    private func record(status: Int, since start: ContinuousClock.Instant) {
        metrics.requests(status: status).increment()
        metrics.duration.recordInterval(.now - start)
    }

    /// Hop-by-hop fields (RFC 9110 §7.6.1), lower-case.
    static let hopByHopFields: Set<String> = ["connection", "keep-alive", "proxy-connection", "te", "trailer",
                                              "transfer-encoding", "upgrade"]
    /// Forwarding claims a client may not make to us: we are the edge.
    /// `Expect` too: our server already answered `100 Continue` and holds the whole body.
    static let clientForwardingFields: Set<String> = ["x-forwarded-for", "x-forwarded-proto", "forwarded", "x-request-id",
                                                      "expect"]
    /// Fields of an upstream response that our server sets itself.
    static let upstreamFramingFields: Set<String> = ["content-length", "date", "x-request-id"]
    static let upstreamHeadFields: Set<String> = ["date", "x-request-id"]

    /// Lengths of every name in the lists above: a cheap first filter.
    static let candidateLengths = Set((hopByHopFields.union(clientForwardingFields).union(upstreamFramingFields)).map(\.utf8.count))

    /// `Connection` and every field it names, the fixed hop-by-hop list and `alsoRemoving`, in
    /// one pass over the fields.
    static func removeHopByHop(_ headers: inout HTTPHeaders, alsoRemoving extra: Set<String> = []) {
        var named: Set<String> = []
        for field in headers where field.name.utf8.count == 10 && HTTPHeaders.equalsIgnoringCase(field.name, "connection") {
            for token in field.value.split(separator: ",") where !token.trimmingSpaces.isEmpty {
                named.insert(token.trimmingSpaces.lowercased())
            }
        }
        headers.removeAll { field in
            // Only names whose length one of the lists has are lowercased and looked up.
            guard candidateLengths.contains(field.name.utf8.count) || !named.isEmpty else { return false }
            let lower = field.name.lowercased()
            return hopByHopFields.contains(lower) || extra.contains(lower) || named.contains(lower)
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

/// `upstream_requests_total{upstream,status}` and `upstream_request_duration_seconds{upstream}`,
/// with handles made once per status instead of per request.
final class UpstreamMetrics: Sendable {
    private let upstream: String
    private let byStatus = Mutex<[Int: Counter]>([:])
    let duration: Timer

    init(upstream: String) {
        self.upstream = upstream
        duration = ServiceMetrics.timer("upstream_request_duration_seconds", [("upstream", upstream)])
    }

    func requests(status: Int) -> Counter {
        byStatus.withLock { cache in
            if let counter = cache[status] { return counter }
            let counter = ServiceMetrics.counter("upstream_requests_total", [("upstream", upstream), ("status", String(status))])
            cache[status] = counter
            return counter
        }
    }
}
