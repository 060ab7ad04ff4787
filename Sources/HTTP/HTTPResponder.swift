import Sockets

/// Answers a server's requests.
///
/// `respond(to:done:)` is called on the event-loop thread that read the request and must call
/// `done` exactly once, from any thread. A responder that can answer on the spot, or from
/// callbacks on that same loop (the gateway's proxy path over ``HTTPClient``), costs no task per
/// request; ``AsyncResponder`` runs an `async` function in a task on the loop instead.
public protocol HTTPResponder: Sendable {
    /// Answers `request` by calling `done` once.
    func respond(to request: HTTPRequest, done: @escaping @Sendable (HTTPResponse) -> Void)
}

/// Runs an `async` responder in a task that prefers the loop which read the request, so the
/// common request never leaves that thread (see ``EventLoop``).
public struct AsyncResponder: HTTPResponder {
    private let body: HTTPServer.Responder

    /// Wraps `body`.
    public init(_ body: @escaping HTTPServer.Responder) {
        self.body = body
    }

    public func respond(to request: HTTPRequest, done: @escaping @Sendable (HTTPResponse) -> Void) {
        let body = self.body
        Task(executorPreference: EventLoop.current) {
            done(await body(request))
        }
    }
}
