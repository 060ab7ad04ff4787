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
        Self.start { handle.send(await body(request)) }
    }

    /// Starts `work` in a task on the current loop (the router's async endpoints use it too).
    ///
    /// Started immediately: the task runs on this loop thread, inside the read event, up to its
    /// first suspension, so a handler that never suspends (most reads) answers before the loop
    /// moves to the next connection, and that connection's response is written at once, as a C
    /// server would. Queued as an ordinary task, every answer of an epoll batch waited for the
    /// whole batch to be read and run first (c64 p50 twice nginx's at 0.8 of its throughput).
    public static func start(_ work: @escaping @Sendable () async -> Void) {
        if #available(macOS 26.0, *) {
            Task.immediate(executorPreference: EventLoop.current, operation: work)
        } else {
            Task(executorPreference: EventLoop.current, operation: work)
        }
    }
}
