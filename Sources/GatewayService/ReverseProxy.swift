import HTTP
import Routing
import ServiceKit
import Sockets
import Metrics
import Synchronization

/// Forwards requests to one upstream service unchanged (method, path, query, body), minus the
/// hop-by-hop fields (RFC 9110 §7.6.1) both ways, with `X-Forwarded-For`/`-Proto` and
/// `X-Request-ID` added. Refused or broken upstreams are 502, slow ones 504. A `text/event-stream`
/// answer is relayed as its bytes arrive (``relayStream(_:body:peer:)``), within ``StreamAdmission``.
final class ReverseProxy: Sendable {
    let name: String
    let client: HTTPClient
    let metrics: UpstreamMetrics
    /// POST paths whose service honours `Idempotency-Key` (stores the first answer and replays it):
    /// only there does a forwarded key make a resend safe. Elsewhere the key is just a field, and
    /// `/auth/register` sent twice would race its own first copy.
    let honoursIdempotencyKey: Set<Substring>
    /// Whether an upstream that cannot be reached is 503 (one trade shard of several) rather than 502.
    let unreachableIsUnavailable: Bool
    /// The gateway's streams, shared by every proxy.
    let streams: StreamAdmission

    init(name: String, url: ServiceURL, timeoutMs: Int, group: EventLoopGroup, streams: StreamAdmission,
         streamIdleTimeoutMs: Int = 45_000, honoursIdempotencyKey: Set<Substring> = [], unreachableIsUnavailable: Bool = false) {
        self.name = name
        self.unreachableIsUnavailable = unreachableIsUnavailable
        metrics = UpstreamMetrics(upstream: name)
        var configuration = HTTPClient.Configuration(host: url.host, port: url.port, timeout: .milliseconds(timeoutMs))
        configuration.streamIdleTimeoutMs = streamIdleTimeoutMs
        client = HTTPClient(configuration: configuration, group: group)
        self.streams = streams
        self.honoursIdempotencyKey = honoursIdempotencyKey
    }

    /// The routes' ``Responder``: relays `request` from the loop that read it.
    func respond(_ request: HTTPRequest, _ reply: Reply) {
        relay(request, requestID: reply.context.requestID, then: reply)
    }

    /// Sends `request` upstream and hands `reply` the response to relay, or a 502/504
    /// problem. Called on an event loop, everything happens on that loop (``HTTPClient``).
    func relay(_ request: HTTPRequest, requestID: String, then reply: Reply) {
        let isHead = request.method == "HEAD"
        // RFC 9110 §9.2.2: only idempotent requests may be resent automatically. A POST is, here,
        // only on a route that honours `Idempotency-Key` and only by what is forwarded: a key the
        // client named in `Connection` is dropped, and a repeated keyless order would execute twice.
        let isRetryable = request.method == "GET" || isHead
            || (request.method == "POST" && honoursIdempotencyKey.contains(request.path)
                && Self.forwardsIdempotencyKey(request.headers))
        var upstreamRequest = ClientRequest(method: request.method, target: request.target, body: request.body,
                                            isRetryable: isRetryable)
        // HEAD keeps the upstream's Content-Length (``relayed``), so its lines come whole.
        upstreamRequest.omittedResponseFields = isHead ? nil : Self.omittedUpstreamFields
        upstreamRequest.streamsEventStreams = !isHead
        let start = EventLoop.current?.now ?? LoopInstant.now
        // The completion takes the peer alone: naming `request` in it copied the whole request
        // into its context (callgrind, per request).
        let peer = request.peer
        // The fields are written straight into the upstream request's bytes. We are the edge:
        // whatever the client claims about forwarding is dropped (API.md).
        client.send(upstreamRequest, writingFields: { lines in
            Self.forEachEndToEnd(request.headers, alsoRemoving: Self.clientRequestFields) { lines.appendField($0, $1) }
            lines.appendPieces(maxCount: Self.forwardedForPrefix.count + request.peer.utf8.count
                               + Self.forwardedProtoAndRequestIDPrefix.count + requestID.utf8.count + 2) {
                $0.put(Self.forwardedForPrefix)
                $0.put(request.peer)
                $0.put(Self.forwardedProtoAndRequestIDPrefix)
                $0.put(requestID)
                $0.putLineEnd()
            }
        }) { [self] result in
            switch result {
            case .success(let response):
                metrics.record(status: response.status, since: start)
                if let body = response.stream {
                    reply.send(relayStream(response, body: body, peer: peer))
                } else {
                    reply.send(Self.relayed(response, toHead: isHead))
                }
            case .failure(let error):
                let rejection = Self.rejection(for: error, upstream: name, unreachableIsUnavailable: unreachableIsUnavailable)
                metrics.record(status: rejection.problemType.status, since: start)
                reply.send(.problem(for: rejection))
            }
        }
    }

    /// A streamed answer's head, relayed at once with its body to follow as the upstream sends it
    /// (its heartbeats included: the gateway adds none, which could land inside an event). The
    /// upstream connection stays with the stream until either side ends it: the client leaving
    /// (or reading too slowly, or the drain) closes it, and the upstream ending finishes the
    /// client's stream cleanly, so that the client reconnects (with `Last-Event-ID`).
    private func relayStream(_ head: ClientResponse, body: ClientBodyStream, peer: String) -> HTTPResponse {
        switch streams.admit(peer: peer) {
        case .admitted:
            break
        case .peerFull:
            body.cancel()
            return .problem(for: GatewayRejection.tooManyStreams(perPeerMax: streams.streamsPerPeerMax))
        case .full:
            body.cancel()
            return .problem(for: GatewayRejection.streamsExhausted)
        }
        let stream = ResponseStream(heartbeat: nil)
        var relayed = Self.relayed(head, toHead: false)
        relayed.stream = stream
        let streams = streams
        let loop = body.loop
        stream.onClose {
            streams.release(peer: peer)
            if loop.inEventLoop { body.cancel() } else { loop.execute { body.cancel() } }
        }
        body.start(onData: { stream.write($0) }, onEnd: { _ in stream.finish() })
        return relayed
    }

    /// The fields we add, around the two values that vary: a few copies per request, not one per
    /// name, separator and line end.
    private static let forwardedForPrefix = Array("X-Forwarded-For: ".utf8)
    private static let forwardedProtoAndRequestIDPrefix = Array("\r\nX-Forwarded-Proto: http\r\nX-Request-ID: ".utf8)

    /// Whether an `Idempotency-Key` survives the forwarding filter.
    static func forwardsIdempotencyKey(_ headers: HTTPHeaders) -> Bool {
        var found = false
        forEachEndToEnd(headers, alsoRemoving: clientRequestFields) { name, _ in
            if !found && HTTPHeaders.nameEquals(name, "idempotency-key") { found = true }
        }
        return found
    }

    /// The upstream's response as ours: its field lines passed on as bytes, the hop-by-hop ones
    /// and those our server sets already left out by the parser (``omittedUpstreamFields``). A
    /// response with a `Connection` field (its tokens name more fields to drop) and the answer to
    /// HEAD (whose `Content-Length` the server must see) take the field-by-field path instead.
    static func relayed(_ response: ClientResponse, toHead isHead: Bool) -> HTTPResponse {
        if response.fieldsOmitted {
            var relayed = HTTPResponse(status: response.status, body: response.body)
            relayed.fieldLines = response.fieldLines
            return relayed
        }
        var headers = HTTPHeaders()
        // HEAD keeps the upstream's Content-Length: it is the GET's length, not the empty body's.
        forEachEndToEnd(response.headers, alsoRemoving: isHead ? upstreamHeadFields : upstreamFramingFields) {
            headers.add(String(decoding: $0, as: UTF8.self), String(decoding: $1, as: UTF8.self))
        }
        return HTTPResponse(status: response.status, headers: headers, body: response.body)
    }

    /// Hop-by-hop fields (RFC 9110 §7.6.1).
    static let hopByHopNames = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                                "upgrade"]
    static let hopByHopFields = FieldNames(hopByHopNames)
    /// Forwarding claims a client may not make to us (we are the edge): no service behind us may
    /// take a client's word for its address, host or scheme.
    /// `Expect` too: our server already answered `100 Continue` and holds the whole body.
    /// `Host` and `Content-Length` are the client's own (``HTTPClient``).
    static let clientRequestFields = FieldNames("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
                                                "x-forwarded-port", "x-real-ip", "forwarded", "x-request-id", "expect",
                                                "host", "content-length")
    /// Fields of an upstream response that our server sets itself.
    static let upstreamFramingNames = ["content-length", "date", "x-request-id"]
    static let upstreamFramingFields = FieldNames(upstreamFramingNames)
    static let upstreamHeadFields = FieldNames("date", "x-request-id")
    /// What the response parser leaves out for us: hop-by-hop plus ``upstreamFramingFields``.
    static let omittedUpstreamFields = FieldNames(hopByHopNames + upstreamFramingNames)

    /// Calls `body` with the fields of `source` (name and value bytes) except `Connection` and
    /// every field it names, the fixed hop-by-hop list and `extra`: no strings, no lower-cased
    /// copies or hashing per field.
    static func forEachEndToEnd(_ source: HTTPHeaders, alsoRemoving extra: FieldNames,
                                _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) -> Void) {
        let named = source.values("Connection").flatMap { value in
            // ASCII lower case only, as field names compare (`lowercased()` would fold the Kelvin
            // sign into `k` and drop a field the client did not name).
            value.split(separator: ",").map(\.trimmingSpaces).filter { !$0.isEmpty }.map { token in
                String(decoding: token.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
            }
        }
        source.forEachField { name, value in
            if hopByHopFields.contains(name) || extra.contains(name) { return }
            if !named.isEmpty && named.contains(where: { HTTPHeaders.nameEquals(name, $0) }) { return }
            body(name, value)
        }
    }

    static func badGateway(_ upstream: String) -> GatewayRejection { .badGateway(upstream: upstream) }

    static func gatewayTimeout(_ upstream: String) -> GatewayRejection { .gatewayTimeout(upstream: upstream) }

    /// What the client is told when `upstream` gave no response. A trade shard that could not be
    /// reached (refused, unresolvable, or its connect unanswered: a stopped container's address
    /// blackholes) is 503 for its users only; a response that did not come in time is 504 either way,
    /// since the request may have run.
    static func rejection(for error: HTTPClientError, upstream: String, unreachableIsUnavailable: Bool) -> GatewayRejection {
        switch error {
        case .timedOut:
            gatewayTimeout(upstream)
        case .connectTimedOut:
            unreachableIsUnavailable ? .shardUnavailable(shard: upstream) : gatewayTimeout(upstream)
        case .connectFailed, .connectionFailed, .badResponse:
            unreachableIsUnavailable ? .shardUnavailable(shard: upstream) : badGateway(upstream)
        }
    }
}

/// `upstream_requests_total{upstream,status}` and `upstream_request_duration_seconds{upstream}`,
/// with handles made once per status instead of per request.
final class UpstreamMetrics: Sendable {
    private let upstream: String
    /// Indexed by status - 100: no hashing per request.
    private let byStatus = Mutex<[Counter?]>(Array(repeating: nil, count: 500))
    let duration: Timer

    init(upstream: String) {
        self.upstream = upstream
        duration = ServiceMetrics.timer("upstream_request_duration_seconds", [("upstream", upstream)])
    }

    func record(status: Int, since start: LoopInstant) {
        requests(status: status).increment()
        duration.recordInterval(LoopInstant.now - start)
    }

    func requests(status: Int) -> Counter {
        let make = { ServiceMetrics.counter("upstream_requests_total", [("upstream", self.upstream), ("status", String(status))]) }
        guard (100...599).contains(status) else { return make() }  // three digits, but not a known class
        let index = status - 100
        return byStatus.withLock { cache in
            if let counter = cache[index] { return counter }
            let counter = make()
            cache[index] = counter
            return counter
        }
    }
}
