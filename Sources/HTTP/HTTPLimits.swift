/// Every size and wait the server enforces, in one place, with units in the names.
/// Defaults come from the public contract (`API.md`, "Wire limits").
public struct HTTPLimits: Sendable {
    /// Longest request line, CRLF excluded (API.md: 8 KiB, else 414).
    public var requestLineBytesMax = 8 * 1024
    /// Longest field section, request line excluded (API.md: 32 KiB, else 431).
    public var headerBytesMax = 32 * 1024
    /// Most header fields in one request (API.md: 100, else 431).
    public var headerFieldsMax = 100
    /// Largest request body, decoded (API.md: `MAX_BODY_BYTES`, default 1 MiB, else 413).
    public var bodyBytesMax = 1_048_576
    /// Longest chunk-size line including extensions: bounds the bytes read before a chunk's data.
    public var chunkLineBytesMax = 4 * 1024
    /// Time to send a whole header section, from the request's first byte or, on a new
    /// connection, from the accept (API.md: 10 s).
    public var headerTimeout: Duration = .seconds(10)
    /// Time to send a whole body once the header section is in (API.md: 30 s).
    public var bodyTimeout: Duration = .seconds(30)
    /// How long a keep-alive connection may sit idle between requests (API.md: 60 s).
    public var idleTimeout: Duration = .seconds(60)
    /// How long a client may leave our response unread before we give up on it. Not in API.md;
    /// a slow reader must not pin a connection and its buffer forever.
    public var writeTimeout: Duration = .seconds(30)
    /// How long a closing connection, its last answer written and its write side shut, keeps
    /// reading (and discarding) what the client still sends before it closes: closing with unread
    /// bytes would send a reset that can destroy the answer in flight (RFC 9112 §9.6). Not in
    /// API.md; Apache's `lingering_close` waits 2 s the same way (nginx's `lingering_time` 30 s is
    /// for request bodies it chose not to read).
    public var lingerTimeout: Duration = .seconds(2)
    /// How long shutdown waits for requests in flight (API.md: exit within 10 s of SIGTERM; this
    /// leaves a margin for the process to exit).
    public var drainTimeout: Duration = .seconds(8)
    /// Bytes of unsent response after which a connection stops reading more requests: bounds
    /// memory when a client pipelines without reading.
    public var outputBytesHighWater = 1_048_576
    /// Bytes of pipelined requests a connection keeps while an earlier one is being answered;
    /// past it the connection stops reading (the rest waits in the kernel) until the answer is
    /// queued. Without it a client could pipeline a whole body behind each request it sends.
    public var pipelinedInputBytesMax = 64 * 1024

    /// Connections open at once in the process (`MAX_CONNECTIONS`). At the limit the server
    /// stops accepting, as nginx does past `worker_connections`: newcomers wait in the kernel's
    /// backlog until a connection closes, and nothing already served is disturbed. 10,000 idle
    /// connections cost about 5 MiB (bench/RESULTS.md); each one's buffers are bounded by the
    /// limits above, and the bodies of all of them together by `bufferedBodyBytesMax`.
    public var connectionsMax = 10_000
    /// Connections open at once from one client (`MAX_CONNECTIONS_PER_PEER`; an IPv4 address or
    /// an IPv6 /64); 0 means no limit. A connection past it is closed as soon as it is accepted,
    /// before a byte is read (HAProxy's `tcp-request connection reject`): one client cannot take
    /// every place of `connectionsMax`. Off by default; the gateway, the only process clients
    /// reach, turns it on.
    public var connectionsPerPeerMax = 0
    /// Request-body bytes held in memory by all connections together (`MAX_BUFFERED_BODY_BYTES`).
    /// A request whose body would pass it is answered 503 with `Retry-After` and its connection
    /// closed, which frees its bytes at once (pausing it instead would keep them, and the
    /// connection, held). A quarter is kept for small bodies (see ``BodyBudget``). The default
    /// keeps 100 slow 1 MiB bodies (issue 22) well inside a 128 MiB container.
    public var bufferedBodyBytesMax = 32 * 1_048_576
    /// Bodies up to this size may use the last quarter of `bufferedBodyBytesMax`: every order
    /// and login body is far smaller, so they are still served while large bodies are shed.
    /// nginx's `client_body_buffer_size` (16 KiB), which it keeps in memory before spooling to disk.
    public var smallBodyBytesMax = 16 * 1024
    /// How long a client refused for want of body budget is told to wait (`Retry-After`).
    public var bodyBudgetRetryAfterSeconds = 5

    /// Bytes one `read` takes from a connection: one buffer per event loop, shared by its
    /// connections, which copy out only what they must keep. 64 KiB is a loopback read's usual
    /// most and holds a whole maximal head (request line and fields, 40 KiB) in one read.
    public var readBufferBytes = 64 * 1024
    /// Connections a loop accepts per wake-up of the listening socket: bounded so a connection
    /// storm cannot starve the requests already in progress on that loop (nginx's
    /// `multi_accept off` takes one; 64 keeps a burst of connects cheap).
    public var acceptsPerWakeupMax = 64

    /// Bytes of a streamed response (``ResponseStream``) waiting to be written to a client that
    /// reads slower than events are produced; past it the stream is closed, not buffered further.
    /// Not in API.md: 256 KiB is over a thousand quote events, far more than a reader that keeps
    /// up ever has in flight; the kernel's socket buffer holds as much again before this fills.
    public var streamBufferBytesMax = 256 * 1024
    /// How long a streamed response may send nothing before the server writes the stream's
    /// heartbeat (for Server-Sent Events the comment line `: keep-alive`), so that proxies and
    /// clients with idle timeouts keep it open. 15 s is what the WHATWG SSE spec suggests
    /// ("every 15 seconds or so") and under the 60 s idle timeout of nginx and most load balancers.
    public var streamHeartbeatIntervalMs = 15_000

    /// The contract's defaults.
    public init() {}

    /// ``streamHeartbeatIntervalMs`` as a duration.
    var streamHeartbeatInterval: Duration { .milliseconds(streamHeartbeatIntervalMs) }

    /// How often deadlines are checked: fine enough for the shortest timeout (tests use short
    /// ones), never more than 4 times a second for production values.
    var tickInterval: Duration {
        let shortest = min(headerTimeout, bodyTimeout, idleTimeout, writeTimeout, lingerTimeout, streamHeartbeatInterval)
        return max(.milliseconds(5), min(.milliseconds(250), shortest / 4))
    }
}
