import HTTP

/// An error that knows its RFC 9457 rendering. Handlers throw these for every expected failure;
/// any other error becomes a 500 with a generic detail (and its cause in the log).
public protocol ProblemConvertible: Error {
    /// The problem document.
    var problem: ProblemDetails { get }
    /// Extra response fields (`Retry-After`, `WWW-Authenticate`, `Allow`).
    var headers: HTTPHeaders { get }
}

extension ProblemConvertible {
    public var headers: HTTPHeaders { HTTPHeaders() }
}

/// The common concrete problem: status, stable type URI, title, detail, extra fields.
public struct HTTPError: ProblemConvertible, Sendable {
    public var problem: ProblemDetails
    public var headers: HTTPHeaders

    /// A problem with `type` (a `/problems/...` URI), `title` and `detail`.
    public init(_ status: Int, type: String, title: String, detail: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.problem = ProblemDetails(type: type, title: title, status: status, detail: detail)
        self.headers = headers
    }

    /// 400 `/problems/invalid-request`.
    public static func invalidRequest(_ detail: String) -> HTTPError {
        HTTPError(400, type: "/problems/invalid-request", title: "Invalid request", detail: detail)
    }

    /// 404 `/problems/not-found`: no route matches the path.
    public static func notFound(_ path: Substring) -> HTTPError {
        HTTPError(404, type: "/problems/not-found", title: "Not found", detail: "No resource at this path.")
    }

    /// 401 `/problems/unauthorized` with `WWW-Authenticate: Bearer` (RFC 6750 §3).
    public static func unauthorized(_ detail: String) -> HTTPError {
        HTTPError(401, type: "/problems/unauthorized", title: "Unauthorized", detail: detail,
                  headers: ["WWW-Authenticate": "Bearer"])
    }

    /// 500 `/problems/internal-error`, saying nothing about the cause.
    public static let internalError = HTTPError(500, type: "/problems/internal-error", title: "Internal server error",
                                                detail: "The server could not complete the request.")

}

extension HTTPResponse {
    /// The problem+json response for an error: its own rendering if it has one, else a 500.
    public static func problem(for error: any Error) -> HTTPResponse {
        if let convertible = error as? any ProblemConvertible {
            return .problem(convertible.problem, headers: convertible.headers)
        }
        return .problem(HTTPError.internalError.problem)
    }
}
