import HTTP
import Sockets

/// Per-request state that travels with a request through middleware to its endpoint and back.
public struct RequestContext: Sendable {
    /// Why the matched route, if any, does not apply.
    enum Resolution: Sendable, Equatable {
        case found
        /// No route matches the path (404).
        case notFound
        /// Routes match the path but not the method (405); the router lists theirs in `Allow`
        /// when it answers (no payload here: the context is copied on every request's way).
        case methodNotAllowed
    }

    /// The request's method (the way back logs and counts it without holding the request).
    public let method: String
    /// The TCP peer's numeric address.
    public let peer: String
    /// When the router took the request (the loop's clock when on a loop).
    public let received: LoopInstant
    /// The id echoed in `X-Request-ID` and logged with every line about this request; set by the
    /// observability middleware.
    public var requestID: String = ""
    /// Values of the pattern's `{name}` segments, percent-decoded.
    public var parameters: [String: String] = [:]
    /// The verified user, set by ``AuthenticationMiddleware`` on routes whose ``Access`` needs a
    /// token; `nil` elsewhere.
    public var user: AuthenticatedUser?
    /// The route that matched the path (for a 405, the last one whose pattern did).
    let entry: RouteEntry?
    let routing: Resolution
    /// Whether ``AuthenticationMiddleware`` must find a user: the route's ``access`` applied to the
    /// path when the router matched it (false when no endpoint will run).
    let needsToken: Bool

    init(method: String, peer: String, received: LoopInstant, entry: RouteEntry?, routing: Resolution,
         needsToken: Bool = false) {
        self.method = method
        self.peer = peer
        self.received = received
        self.entry = entry
        self.routing = routing
        self.needsToken = needsToken
    }

    /// The matched route pattern (`/stocks/{symbol}`), or `nil` when nothing matched. Metrics and
    /// logs use it, never the raw path.
    public var route: String? { entry?.pattern }

    /// The matched route's place in the router's table (``Router/patterns``), for middleware that
    /// keeps something per route; `nil` when nothing matched.
    public var routeIndex: Int? { entry?.index }

    /// What the route asks of the caller; `.open` when no endpoint will run (404, 405).
    public var access: Access { routing == .found ? entry?.access ?? .open : .open }

    /// The value of path parameter `name`; a route that declares it always has it.
    public func parameter(_ name: String) -> String {
        parameters[name] ?? ""
    }

    /// The verified user; 401 when there is none (a route whose ``Access`` is `.open`).
    public func requireUser() throws -> AuthenticatedUser {
        guard let user else { throw HTTPError.unauthorized("A Bearer token is required.") }
        return user
    }
}

/// Who made the request, from a verified access token.
public struct AuthenticatedUser: Sendable, Equatable {
    /// The user id (the token's `sub`).
    public var id: Int64
    /// The username (the token's `name`).
    public var username: String

    /// Creates a user.
    public init(id: Int64, username: String) {
        self.id = id
        self.username = username
    }
}
