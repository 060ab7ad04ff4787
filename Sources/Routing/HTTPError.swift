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

/// A business outcome: an enum of a service's (`OrderRejection.insufficientFunds`) whose cases its
/// registry maps to a ``ProblemType``, a detail and extra headers. Metrics label the outcome by the
/// case (``outcome``), never by parsing the rendered problem.
public protocol ProblemOutcome: ProblemConvertible {
    /// The kind this case is answered as.
    var problemType: ProblemType { get }
    /// What went wrong this time, for a human.
    var detail: String { get }
    /// A short, closed-set label for metrics (`insufficient-funds`, `queue-full`).
    var outcome: String { get }
}

extension ProblemOutcome {
    public var problem: ProblemDetails { problemType.details(detail) }
}

/// The problem kinds the routing layer answers for every service: no route, wrong method, no valid
/// token, and the generic 500.
public enum RoutingProblems {
    /// 401, with `WWW-Authenticate: Bearer`.
    public static let unauthorized = ProblemType(401, "/problems/unauthorized", title: "Unauthorized")
    /// 404: no route matches the path.
    public static let notFound = ProblemType(404, "/problems/not-found", title: "Not found")
    /// 405, with `Allow`.
    public static let methodNotAllowed = ProblemType(405, "/problems/method-not-allowed", title: "Method not allowed")
    /// 500, saying nothing about the cause.
    public static let internalError = ProblemType(500, "/problems/internal-error", title: "Internal server error")

    /// Every kind above.
    public static let all: [ProblemType] = [unauthorized, notFound, methodNotAllowed, internalError]
}

/// The common concrete problem: status, stable type URI, title, detail, extra fields.
public struct HTTPError: ProblemConvertible, Sendable {
    public var problem: ProblemDetails
    public var headers: HTTPHeaders

    /// A problem of kind `type` (a registry's entry) with `detail`.
    public init(_ type: ProblemType, detail: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.problem = type.details(detail)
        self.headers = headers
    }

    /// 400 `/problems/invalid-request`.
    public static func invalidRequest(_ detail: String) -> HTTPError {
        HTTPError(HTTPProblems.invalidRequest, detail: detail)
    }

    /// 404 `/problems/not-found`: no route matches the path.
    public static func notFound(_ path: Substring) -> HTTPError {
        HTTPError(RoutingProblems.notFound, detail: "No resource at this path.")
    }

    /// 405 `/problems/method-not-allowed` with `Allow` (RFC 9110 §15.5.6): `method` is not one of `allow`.
    public static func methodNotAllowed(_ method: String, allow: String) -> HTTPError {
        HTTPError(RoutingProblems.methodNotAllowed, detail: "\(method) is not allowed here; use \(allow).",
                  headers: ["Allow": allow])
    }

    /// 401 `/problems/unauthorized` with `WWW-Authenticate: Bearer` (RFC 6750 §3).
    public static func unauthorized(_ detail: String) -> HTTPError {
        HTTPError(RoutingProblems.unauthorized, detail: detail, headers: ["WWW-Authenticate": "Bearer"])
    }

    /// 500 `/problems/internal-error`, saying nothing about the cause.
    public static let internalError = HTTPError(RoutingProblems.internalError,
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
