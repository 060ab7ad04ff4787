/// A kind of problem: its stable `type` URI, its one `title` and its status (RFC 9457 §3.1). Each
/// kind is defined once, in the registry of the layer or service that answers it (``HTTPProblems``,
/// `RoutingProblems`, each service's `…Problems`), and `openapi.yaml`'s list of problem types is
/// checked against the union of those registries (`ProblemRegistryTests`).
public struct ProblemType: Sendable, Hashable, CustomStringConvertible {
    /// The stable URI, e.g. `/problems/insufficient-funds`.
    public let uri: String
    /// The one summary every occurrence of this kind carries.
    public let title: String
    /// The HTTP status.
    public let status: Int

    /// A kind answered with `status`, identified by `uri`, summarized by `title`.
    public init(_ status: Int, _ uri: String, title: String) {
        self.status = status
        self.uri = uri
        self.title = title
    }

    /// This kind's problem document, with what went wrong this time.
    public func details(_ detail: String) -> ProblemDetails {
        ProblemDetails(type: uri, title: title, status: status, detail: detail)
    }

    public var description: String { "\(status) \(uri)" }
}

/// The problem kinds the HTTP layer answers itself, before any responder sees the request: framing
/// errors, wire limits, time limits, and a server that cannot take the request's body right now.
public enum HTTPProblems {
    /// 400: malformed syntax, ambiguous framing, or (above this layer) an invalid field.
    public static let invalidRequest = ProblemType(400, "/problems/invalid-request", title: "Invalid request")
    /// 408: a request started but not received in time.
    public static let requestTimeout = ProblemType(408, "/problems/request-timeout", title: "Request timeout")
    /// 413: a body above the limit.
    public static let payloadTooLarge = ProblemType(413, "/problems/payload-too-large", title: "Request body too large")
    /// 414: a request line above the limit.
    public static let uriTooLong = ProblemType(414, "/problems/uri-too-long", title: "Request line too long")
    /// 431: a header section above the size or field-count limit.
    public static let headerFieldsTooLarge =
        ProblemType(431, "/problems/header-fields-too-large", title: "Header section too large")
    /// 503: a process that cannot serve this request right now (always with `Retry-After`).
    public static let serviceUnavailable = ProblemType(503, "/problems/service-unavailable", title: "Service unavailable")
    /// 505: an HTTP major version other than 1.
    public static let httpVersionNotSupported =
        ProblemType(505, "/problems/http-version-not-supported", title: "HTTP version not supported")

    /// Every kind above.
    public static let all: [ProblemType] = [
        invalidRequest, requestTimeout, payloadTooLarge, uriTooLong, headerFieldsTooLarge, serviceUnavailable,
        httpVersionNotSupported,
    ]
}
