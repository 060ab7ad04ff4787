import Sockets

/// A request to an upstream service.
public struct ClientRequest: Sendable {
    /// The method token.
    public var method: String
    /// The origin-form target, sent unchanged.
    public var target: String
    /// Fields to send; the client adds `Host` and `Content-Length` and drops framing fields.
    public var headers: HTTPHeaders
    /// Field lines already serialized (`name: value` and CRLF each), sent after ``headers`` as
    /// they are: a proxy's fields, written once instead of copied into ``headers`` first. Never
    /// `Host`, `Content-Length` or hop-by-hop fields (the client's own).
    public var fieldLines: [UInt8] = []
    /// The body.
    public var body: [UInt8]
    /// Whether the request may be sent again on a fresh connection when a reused one turns out
    /// to have been closed before any response byte (API.md: GET, HEAD, or an `Idempotency-Key`).
    public var isRetryable: Bool
    /// Fields to leave out of the response's ``ClientResponse/fieldLines`` as it is parsed (a
    /// proxy's hop-by-hop list), so the lines kept need no second pass; see
    /// ``ClientResponse/fieldsOmitted`` for when they are all kept anyway.
    public var omittedResponseFields: FieldNames?
    /// Whether a `200 text/event-stream` answer completes at its head with its body as a
    /// ``ClientResponse/stream`` (a proxy relays it as it arrives) instead of being read whole,
    /// which for an endless stream never happens. Its connection then has no response deadline,
    /// only ``HTTPClient/Configuration/streamIdleTimeoutMs``.
    public var streamsEventStreams = false

    /// Creates a request; retryability follows API.md unless given.
    public init(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                isRetryable: Bool? = nil) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.isRetryable = isRetryable ?? (method == "GET" || method == "HEAD" || headers.contains("Idempotency-Key"))
    }
}

/// Why an upstream request produced no response.
public enum HTTPClientError: Error, Equatable, Sendable {
    /// The connection was refused or could not be made (a gateway answers 502).
    case connectFailed
    /// No complete response within the timeout (504).
    case timedOut
    /// The timeout passed before a connection was made (its name still resolving, or the connect
    /// unanswered): the request never reached the upstream. A gateway answers 504, or 503 for a trade
    /// shard, whose users another shard cannot serve (README "Trade shards").
    case connectTimedOut
    /// The connection broke before a complete response (502).
    case connectionFailed
    /// The upstream sent something that is not HTTP/1.1 (502).
    case badResponse
}

/// An HTTP/1.1 client for one upstream (`host:port`), on the same event loops as the server:
/// each loop keeps its own pool of keep-alive connections, so a request made by a handler never
/// leaves its loop's thread. Pools grow with demand (never a fixed size smaller than the client
/// concurrency: PITFALLS.md) and keep up to `idleConnectionsMax` idle connections per loop.
public final class HTTPClient: Sendable {
    /// How to reach the upstream and how long to wait.
    public struct Configuration: Sendable {
        /// Upstream host: a numeric address, or a name resolved off the loops (``HostResolver``).
        public var host: String
        /// Upstream port.
        public var port: Int
        /// Deadline for connect plus the whole response (API.md `UPSTREAM_TIMEOUT_MS`).
        public var timeout: Duration
        /// Idle keep-alive connections kept per loop.
        public var idleConnectionsMax = 512
        /// How long an idle pooled connection is kept: below the services' 60 s idle timeout so
        /// that we, not they, close most idle connections.
        public var idleTimeout: Duration = .seconds(50)
        /// Longest response head (status line and fields) accepted from the upstream, else 502:
        /// twice the 32 KiB a request's fields may take (``HTTPLimits/headerBytesMax``), so that
        /// an upstream echoing request fields back, or adding its own, is not cut off.
        public var responseHeaderBytesMax = 64 * 1024
        /// How long a resolved name's address is used before it is looked up again (in the
        /// background; requests keep using it meanwhile). Short, so that a restarted container's
        /// new address is picked up soon.
        /// (docker's embedded DNS gives its answers a TTL of 600 s; a container's address changes
        /// only when it is recreated, so 30 s is the delay until traffic follows, not a load.)
        public var dnsCacheSeconds = 30
        /// How long a name that failed to resolve is not looked up again (the negative cache):
        /// requests meanwhile are 502 at once instead of each waiting on DNS.
        public var dnsFailureCacheSeconds = 5
        /// Where names are resolved.
        public var resolver: HostResolver = .shared
        /// How long an established stream (``ClientRequest/streamsEventStreams``) may send nothing,
        /// heartbeats included, before it is taken for dead and closed. Three of the services'
        /// 15 s heartbeats (``HTTPLimits/streamHeartbeatIntervalMs``): one lost heartbeat is not a death.
        public var streamIdleTimeoutMs = 45_000

        var streamIdleTimeout: Duration { .milliseconds(streamIdleTimeoutMs) }

        /// A configuration for `host:port` with `timeout`.
        public init(host: String, port: Int, timeout: Duration) {
            self.host = host
            self.port = port
            self.timeout = timeout
        }
    }

    private let configuration: Configuration
    private let group: EventLoopGroup
    /// One per loop; found by a linear search, which beats hashing for a handful of loops.
    private let pools: [UpstreamPool]
    /// The address when the host is numeric: it never changes, so no lookup and no lock per request.
    private let numericAddress: SocketAddress?
    /// What follows the target in every request: ` HTTP/1.1`, CRLF, and the `Host` line.
    private let versionAndHost: [UInt8]

    /// A client whose connections live on `group`'s loops.
    public init(configuration: Configuration, group: EventLoopGroup) {
        self.configuration = configuration
        self.group = group
        numericAddress = SocketAddress(host: configuration.host, port: configuration.port)
        versionAndHost = Array(" HTTP/1.1\r\nHost: \(configuration.host):\(configuration.port)\r\n".utf8)
        pools = group.loops.map { UpstreamPool(loop: $0, configuration: configuration) }
        for pool in pools { pool.loop.execute { pool.start() } }
    }

    deinit {
        // The pools' connections are registered with loops that outlive this client: close them on
        // their loop (the closure keeps each pool alive until then), or their events would reach a
        // freed pool.
        for pool in pools { pool.loop.execute { pool.closeAll() } }
    }

    /// Sends `request` and returns the complete response.
    public func send(_ request: ClientRequest) async throws(HTTPClientError) -> ClientResponse {
        let result = await withCheckedContinuation { continuation in
            send(request) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Sends `request` and calls `completion` once with the complete response or the failure.
    /// Called on one of the group's loops, everything happens on that loop, `completion` included,
    /// with no task or thread hop: the gateway's proxy path. From elsewhere, the request moves to
    /// the next loop and `completion` runs there.
    ///
    /// `writeFields`, called once before `send` returns, appends more field lines (`name: value`
    /// and CRLF each, as ``ClientRequest/fieldLines``) straight into the bytes to send: a proxy's
    /// forwarded fields, with no buffer of their own.
    public func send(_ request: ClientRequest, writingFields writeFields: (inout [UInt8]) -> Void = { _ in },
                     completion: @escaping @Sendable (Result<ClientResponse, HTTPClientError>) -> Void) {
        let current = EventLoop.current
        // `next()` once: called inside the search it advances per pool compared, and with two loops
        // from off-loop callers (the trade matcher's task) could match none and trap.
        let pool = pools.first { $0.loop === current } ?? { let next = group.next(); return pools.first { $0.loop === next }! }()
        let loop = pool.loop
        let bytes = RequestSerializer.serialize(request, versionAndHost: versionAndHost, writingFields: writeFields)
        let job = UpstreamJob(bytes: bytes, isHead: request.method == "HEAD", omittedResponseFields: request.omittedResponseFields,
                              streamsEventStreams: request.streamsEventStreams, retryable: request.isRetryable,
                              deadline: (loop === current ? loop.now : .now) + configuration.timeout, completion: completion)
        if let numericAddress {
            submit(job, to: pool, address: numericAddress)
            return
        }
        if loop.inEventLoop {
            resolveAndSubmit(job, to: pool)
        } else {
            loop.execute { self.resolveAndSubmit(job, to: pool) }
        }
    }

    /// On the pool's loop: the address from the resolver's cache, or the job waits in the pool
    /// (where its deadline still fires) for the lookup. Never `getaddrinfo` here: it can block for
    /// seconds, and every connection of the loop would wait.
    private func resolveAndSubmit(_ job: UpstreamJob, to pool: UpstreamPool) {
        if let address = configuration.resolver.freshAddress(host: configuration.host, port: configuration.port) {
            pool.submit(job, address: address)
            return
        }
        let loop = pool.loop
        let answer = configuration.resolver.resolve(
            host: configuration.host, port: configuration.port, successSeconds: configuration.dnsCacheSeconds,
            failureSeconds: configuration.dnsFailureCacheSeconds
        ) { result in
            // On a resolver thread; queued behind `awaitAddress` below, which runs first.
            loop.execute { pool.addressResolved(for: job, result) }
        }
        switch answer {
        case .address(let address): pool.submit(job, address: address)
        case .failed: job.complete(.failure(.connectFailed))
        case .pending: pool.awaitAddress(job)
        }
    }

    private func submit(_ job: UpstreamJob, to pool: UpstreamPool, address: SocketAddress) {
        if pool.loop.inEventLoop {
            pool.submit(job, address: address)
        } else {
            pool.loop.execute { pool.submit(job, address: address) }
        }
    }
}

/// One request waiting for, or being served by, an upstream connection. A class: it moves from
/// client to pool to connection, and a reference costs one retain where a struct of this size
/// was copied field by field at each step. `@unchecked Sendable`: handed once from the caller's
/// thread to the pool's loop, and touched only there afterwards (``attempts``).
final class UpstreamJob: @unchecked Sendable {
    let bytes: [UInt8]
    let isHead: Bool
    let omittedResponseFields: FieldNames?
    let streamsEventStreams: Bool
    let retryable: Bool
    let deadline: LoopInstant
    let completion: @Sendable (Result<ClientResponse, HTTPClientError>) -> Void
    var attempts = 0
    /// Waiting in its pool for the upstream's name to resolve (``UpstreamPool/awaitAddress(_:)``).
    var awaitingAddress = false

    init(bytes: [UInt8], isHead: Bool, omittedResponseFields: FieldNames?, streamsEventStreams: Bool, retryable: Bool,
         deadline: LoopInstant,
         completion: @escaping @Sendable (Result<ClientResponse, HTTPClientError>) -> Void) {
        self.bytes = bytes
        self.isHead = isHead
        self.omittedResponseFields = omittedResponseFields
        self.streamsEventStreams = streamsEventStreams
        self.retryable = retryable
        self.deadline = deadline
        self.completion = completion
    }

    func complete(_ result: Result<ClientResponse, HTTPClientError>) {
        completion(result)
    }
}

/// Writes a request head and body in one buffer.
enum RequestSerializer {
    /// `versionAndHost` is what follows the target: ` HTTP/1.1`, CRLF, `Host: host:port`, CRLF
    /// (the client's, made once).
    static func serialize(_ request: ClientRequest, versionAndHost: [UInt8],
                          writingFields writeFields: (inout [UInt8]) -> Void = { _ in }) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + request.fieldLines.count + request.body.count)
        out.appendPieces(maxCount: request.method.utf8.count + request.target.utf8.count + versionAndHost.count + 1) {
            $0.put(request.method)
            $0.put(0x20)
            $0.put(request.target)
            $0.put(versionAndHost)
        }
        request.headers.forEachField { name, value in
            if ownFields.contains(name) { return }
            out.appendField(name, value)
        }
        if !request.fieldLines.isEmpty { out.append(contentsOf: request.fieldLines) }
        writeFields(&out)
        let hasLength = !request.body.isEmpty || request.method == "POST" || request.method == "PUT"
            || request.method == "PATCH"
        out.appendPieces(maxCount: ByteCursor.contentLengthLineMax + 2) { tail in
            if hasLength { tail.putContentLengthLine(request.body.count) }
            tail.putLineEnd()
        }
        if !request.body.isEmpty { out.append(contentsOf: request.body) }
        return out
    }

    /// Fields the client writes itself, or that belong to one connection.
    private static let ownFields = FieldNames("host", "content-length", "transfer-encoding", "connection")
}
