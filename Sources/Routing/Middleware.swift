import HTTP

/// The responder signature: every route handler and every middleware's `next`.
public typealias Handler = @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse

/// Code that runs around handlers: it may change the request or context, answer early, or
/// change the response.
public protocol Middleware: Sendable {
    /// Handles the request, calling `next` to continue down the chain.
    func handle(_ request: HTTPRequest, context: RequestContext, next: Handler) async throws -> HTTPResponse
}

/// A middleware from a closure.
public struct ClosureMiddleware: Middleware {
    private let body: @Sendable (HTTPRequest, RequestContext, Handler) async throws -> HTTPResponse

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable (HTTPRequest, RequestContext, Handler) async throws -> HTTPResponse) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest, context: RequestContext, next: Handler) async throws -> HTTPResponse {
        try await body(request, context, next)
    }
}
