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
    /// How long shutdown waits for requests in flight (API.md: exit within 10 s of SIGTERM; this
    /// leaves a margin for the process to exit).
    public var drainTimeout: Duration = .seconds(8)
    /// Bytes of unsent response after which a connection stops reading more requests: bounds
    /// memory when a client pipelines without reading.
    public var outputBytesHighWater = 1_048_576

    /// The contract's defaults.
    public init() {}

    /// How often deadlines are checked: fine enough for the shortest timeout (tests use short
    /// ones), never more than 4 times a second for production values.
    var tickInterval: Duration {
        let shortest = min(headerTimeout, bodyTimeout, idleTimeout, writeTimeout)
        return max(.milliseconds(5), min(.milliseconds(250), shortest / 4))
    }
}
