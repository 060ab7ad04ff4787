/// A request the server answered itself, before any responder saw it: a framing error or a
/// limit (400, 413, 414, 431, 505), or a request not received in time (408). Handed to the
/// server's rejection hook so that it is logged and counted like every other request.
public struct HTTPRejection: Sendable {
    /// The status sent.
    public let status: Int
    /// The `X-Request-ID` sent with it.
    public let requestID: String
    /// The method, when the whole head had been read and its body was at fault (malformed chunks,
    /// a chunked body over the limit, too slow); `nil` when the head was (a declared
    /// `Content-Length` over the limit is found in the head).
    public let method: String?
    /// The client's address.
    public let peer: String
    /// From the request's first byte to the answer.
    public let duration: Duration
    /// Why, in words (the problem's detail).
    public let reason: String
}
