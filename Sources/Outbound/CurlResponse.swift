/// A completed HTTP exchange: whatever the status, the transfer itself succeeded.
public struct CurlResponse: Sendable, Equatable {
    /// The HTTP status code (redirects are not followed, so 3xx can appear).
    public let status: Int
    /// The raw body bytes, at most the client's cap (1 MiB).
    public let body: [UInt8]

    /// Creates a response; public so that callers can build one in tests.
    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}
