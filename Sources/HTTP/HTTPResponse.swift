/// A response as a responder returns it. The server adds `Date`, `Content-Length` and, when it
/// will close the connection, `Connection: close`.
public struct HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// Header fields set by the application (no framing fields: the server owns those).
    public var headers: HTTPHeaders
    /// The body bytes; empty for none.
    public var body: [UInt8]
    /// Field lines already serialized (`name: value` and CRLF each), written after ``headers``: a
    /// proxy's fields from upstream, passed on as bytes. Never framing fields (the server's).
    public var fieldLines: [UInt8] = []
    /// The request's id, written as `X-Request-ID` in place of any such field in ``headers``
    /// (API.md: every response carries one); empty for none. Its own property so that stamping it changes
    /// neither ``headers`` nor ``fieldLines``: a relayed response's lines are shared with the
    /// upstream's, and appending to them copied them (profiles).
    public var requestID = ""
    /// A body produced over time (Server-Sent Events), written after the head as it comes; when
    /// set, ``body`` is ignored and the server frames the body itself (chunked on HTTP/1.1).
    public var stream: ResponseStream? = nil

    /// Creates a response.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a body and its `Content-Type`.
    public init(status: Int, contentType: String, body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.headers = headers
        self.headers.add("Content-Type", contentType)
        self.body = body
    }

    /// An RFC 9457 problem: `{"type","title","status","detail"}` as `application/problem+json`.
    public static func problem(_ problem: ProblemDetails, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        HTTPResponse(status: problem.status, contentType: "application/problem+json", body: problem.jsonBytes,
                     headers: headers)
    }

    /// A streamed `200 text/event-stream` response (`Cache-Control: no-cache`: every event is news).
    public static func eventStream(_ stream: ResponseStream, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var response = HTTPResponse(status: 200, contentType: "text/event-stream", body: [], headers: headers)
        response.headers.add("Cache-Control", "no-cache")
        response.stream = stream
        return response
    }

    /// The standard reason phrase for a status code (RFC 9110 §15); `"Unknown"` otherwise.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Unknown"
        }
    }

    /// Whether a response with this status to this method carries no body on the wire
    /// (RFC 9110 §6.4.1: HEAD, 1xx, 204, 304).
    static func hasNoBody(status: Int, method: String) -> Bool {
        method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status)
    }
}
