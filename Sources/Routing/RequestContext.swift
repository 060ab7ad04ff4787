import Logging
import HTTP

/// Per-request state that travels with a request through middleware to its handler.
public struct RequestContext: Sendable {
    /// The id echoed in `X-Request-ID` and logged with every line about this request.
    public var requestID: String
    /// The matched route pattern (`/stocks/{symbol}`), or `nil` when nothing matched. Metrics and
    /// logs use it, never the raw path.
    public var route: String?
    /// Values of the pattern's `{name}` segments, percent-decoded.
    public var parameters: [String: String]
    /// The service's logger; pass `request_id` in each call's metadata.
    public var logger: Logger
    /// The authenticated user, once a middleware has verified a token.
    public var user: AuthenticatedUser?
    /// The handler the router chose (internal to routing).
    var handler: Handler?
    /// Why no handler applies (404 or 405), raised after the middleware ran.
    var routingError: HTTPError?

    /// A context for a request that has not been routed yet.
    public init(requestID: String, logger: Logger) {
        self.requestID = requestID
        self.route = nil
        self.parameters = [:]
        self.logger = logger
    }

    /// The value of path parameter `name`; a route that declares it always has it.
    public func parameter(_ name: String) -> String {
        parameters[name] ?? ""
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
