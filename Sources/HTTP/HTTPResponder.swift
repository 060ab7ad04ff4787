import Sockets

/// Answers a server's requests.
///
/// `respond(to:with:)` is called on the event-loop thread that read the request and must call
/// the handle's `send` exactly once, from any thread. A responder that can answer on the spot, or
/// from callbacks on that same loop (the gateway's proxy path over ``HTTPClient``), costs no task
/// per request; ``AsyncResponder`` runs an `async` function in a task on the loop instead.
public protocol HTTPResponder: Sendable {
    /// Answers `request` by calling `handle.send` once.
    func respond(to request: HTTPRequest, with handle: ResponseHandle)
}

/// Where one request's response goes. A value holding its connection: handing one out costs no
/// allocation, where a completion closure would cost one per request.
public struct ResponseHandle: Sendable {
    let connection: HTTPConnection

    /// Delivers the response; from another thread it moves to the connection's loop first.
    public func send(_ response: HTTPResponse) {
        connection.deliver(response)
    }
}

/// Runs an `async` responder in a task that prefers the loop which read the request, so the
/// common request never leaves that thread (see ``EventLoop``).
public struct AsyncResponder: HTTPResponder {
    private let body: HTTPServer.Responder

    /// Wraps `body`.
    public init(_ body: @escaping HTTPServer.Responder) {
        self.body = body
    }

    public func respond(to request: HTTPRequest, with handle: ResponseHandle) {
        let body = self.body
        Task(executorPreference: EventLoop.current) {
            handle.send(await body(request))
        }
    }
}
