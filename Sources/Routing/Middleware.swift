import HTTP

/// Code that runs around every request, once, whatever kind of endpoint answers it.
///
/// Two synchronous steps rather than one `async` function with `next` (STYLE.md 7 names the
/// latter): an async chain needs a task per request, and the gateway's relay, which answers from
/// the loop with callbacks, would lose what makes it fast. ``before(_:_:)`` runs on the loop in
/// the order the middleware was added; ``after(_:_:)`` runs on the response, innermost first, for
/// every middleware whose `before` ran and passed the request on. A step that must await (a token
/// not verified before) says so with ``MiddlewareStep/suspend(_:)``: that request alone continues in
/// a task.
public protocol Middleware: Sendable {
    /// Before the endpoint: may change the context, answer at once, or suspend. A thrown error
    /// answers as its problem (any other error as a 500).
    func before(_ request: HTTPRequest, _ context: inout RequestContext) throws -> MiddlewareStep
    /// On the response, from any thread (the thread that answered).
    func after(_ response: inout HTTPResponse, _ context: RequestContext)
}

extension Middleware {
    public func before(_ request: HTTPRequest, _ context: inout RequestContext) throws -> MiddlewareStep { .next }
    public func after(_ response: inout HTTPResponse, _ context: RequestContext) {}
}

/// What a middleware's ``Middleware/before(_:_:)`` decided.
public enum MiddlewareStep: Sendable {
    /// Pass the request on.
    case next
    /// Answer now: neither later middleware nor the endpoint run; earlier middleware's `after` does.
    case answer(HTTPResponse)
    /// Await `work` first (in a task), then pass the request on; a thrown error answers as its problem.
    case suspend(@Sendable (HTTPRequest, inout RequestContext) async throws -> Void)
}
