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

    /// The router's path (`/auth/me` with a token not seen before, every request when the
    /// gateway's own path declines): check the token, then relay.
    func forward(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        if requiresToken(request.path) { _ = try await tokens.authenticate(request) }
        return await withCheckedContinuation { continuation in
            relay(request, requestID: context.requestID) { continuation.resume(returning: $0) }
        }
    }

    /// Sends `request` upstream and calls `completion` once with the response to relay, or a
    /// 502/504 problem. Called on an event loop, everything happens on that loop (``HTTPClient``).
    func relay(_ request: HTTPRequest, requestID: String, completion: @escaping @Sendable (HTTPResponse) -> Void) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count + 3)
        // We are the edge: whatever the client claims about forwarding is dropped (API.md).
        Self.copyEndToEnd(request.headers, into: &headers, alsoRemoving: Self.clientForwardingFields)
        headers.add("X-Forwarded-For", request.peer)
        headers.add("X-Forwarded-Proto", "http")
        headers.add("X-Request-ID", requestID)
        let upstreamRequest = ClientRequest(method: request.method, target: request.target, headers: headers, body: request.body)
        let start = ContinuousClock.now
        let isHead = request.method == "HEAD"
        client.send(upstreamRequest) { [name, metrics] result in
            switch result {
            case .success(let response):
                metrics.record(status: response.status, since: start)
                var responseHeaders = HTTPHeaders()
                responseHeaders.reserveCapacity(response.headers.count)
                // HEAD keeps the upstream's Content-Length: it is the GET's length, not the empty body's.
                Self.copyEndToEnd(response.headers, into: &responseHeaders,
                                  alsoRemoving: isHead ? Self.upstreamHeadFields : Self.upstreamFramingFields)
                completion(HTTPResponse(status: response.status, headers: responseHeaders, body: response.body))
            case .failure(let error):
                metrics.record(status: error == .timedOut ? 504 : 502, since: start)
                completion(.problem(for: error == .timedOut ? Self.gatewayTimeout(name) : Self.badGateway(name)))
            }
        }
    }

    /// Hop-by-hop fields (RFC 9110 §7.6.1), lower-case.
    static let hopByHopFields = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]
    /// Forwarding claims a client may not make to us: we are the edge.
    /// `Expect` too: our server already answered `100 Continue` and holds the whole body.
    static let clientForwardingFields = ["x-forwarded-for", "x-forwarded-proto", "forwarded", "x-request-id", "expect"]
    /// Fields of an upstream response that our server sets itself.
    static let upstreamFramingFields = ["content-length", "date", "x-request-id"]
    static let upstreamHeadFields = ["date", "x-request-id"]

    /// Copies the fields of `source` except `Connection` and every field it names, the fixed
    /// hop-by-hop list and `extra`: one pass, no lower-cased copies or hashing per field (this
    /// runs twice per proxied request).
    static func copyEndToEnd(_ source: HTTPHeaders, into target: inout HTTPHeaders, alsoRemoving extra: [String]) {
        var named: [Substring] = []
        for field in source where HTTPHeaders.equalsIgnoringCase(field.name, "connection") {
            for token in field.value.split(separator: ",") where !token.trimmingSpaces.isEmpty {
                named.append(token.trimmingSpaces)
            }
        }
        for field in source {
            if matches(field.name, hopByHopFields) || matches(field.name, extra) { continue }
            if !named.isEmpty && named.contains(where: { HTTPHeaders.equalsIgnoringCase($0, field.name) }) { continue }
            target.add(field.name, field.value)
        }
    }

    /// Whether `name` is one of `list` (lower-case), ignoring case.
    private static func matches(_ name: String, _ list: [String]) -> Bool {
        let length = name.utf8.count
        for candidate in list where candidate.utf8.count == length {
            if HTTPHeaders.equalsIgnoringCase(name, candidate) { return true }
        }
        return false
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

    func record(status: Int, since start: ContinuousClock.Instant) {
        requests(status: status).increment()
        duration.recordInterval(.now - start)
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
