import HTTP

/// Verifies a request's Bearer token (the service kit's `TokenService`).
public protocol Authenticator: Sendable {
    /// The user of a token verified before and still within its times, without awaiting; `nil`
    /// means "not known", and ``verifiedUser(for:)`` decides.
    func knownUser(for request: HTTPRequest) -> AuthenticatedUser?
    /// The user of the request's token; throws a 401 problem when it is missing or invalid.
    func verifiedUser(for request: HTTPRequest) async throws -> AuthenticatedUser
}

/// Fills ``RequestContext/user`` on routes whose ``Access`` needs a token, or answers 401 before
/// the endpoint runs. A token seen before costs a cache lookup on the loop; a new one suspends
/// this request alone while it is verified.
public struct AuthenticationMiddleware: Middleware {
    private let authenticator: any Authenticator

    /// Verifies with `authenticator`.
    public init(_ authenticator: any Authenticator) {
        self.authenticator = authenticator
    }

    public func before(_ request: HTTPRequest, _ context: inout RequestContext) throws -> MiddlewareStep {
        // Decided by the router on the path's bytes (``Access/requiresToken(_:)``).
        guard context.needsToken else { return .next }
        if let user = authenticator.knownUser(for: request) {
            context.user = user
            return .next
        }
        let authenticator = self.authenticator
        return .suspend { request, context in
            context.user = try await authenticator.verifiedUser(for: request)
        }
    }
}
