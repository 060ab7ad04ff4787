/// How a request's body is delimited (RFC 9112 §6.3).
public enum BodyFraming: Sendable, Equatable {
    /// No body.
    case none
    /// Exactly this many bytes follow.
    case length(Int)
    /// Chunked transfer coding.
    case chunked
}

/// A parsed request line and field section, with the framing decisions already made.
public struct RequestHead: Sendable {
    /// The method token.
    public var method: String
    /// The request-target in origin form (or `*`); an absolute-form target is reduced to it.
    public var target: String
    /// The authority of an absolute-form target (RFC 9112 §3.2.2), which replaces `Host`; `nil`
    /// for origin form.
    public var authority: String?
    /// 0 or 1.
    public var versionMinor: Int
    /// The fields as received.
    public var headers: HTTPHeaders
    /// How the body is delimited.
    public var framing: BodyFraming
    /// Whether the connection may be reused afterwards.
    public var keepAlive: Bool
    /// Whether the client sent `Expect: 100-continue` and waits for a go-ahead.
    public var expectsContinue: Bool
}
