import Synchronization

/// The body of a response produced over time (Server-Sent Events): a responder returns an
/// ``HTTPResponse`` whose ``HTTPResponse/stream`` is set, and writes to the stream as it has
/// bytes. The server sends the head at once, then each write as a chunk (chunked coding on
/// HTTP/1.1; on HTTP/1.0 the body runs to the close), and ``heartbeat`` whenever the stream has
/// been quiet for ``HTTPLimits/streamHeartbeatIntervalMs``.
///
/// The server closes the stream when the client goes away, reads too slowly
/// (``HTTPLimits/streamBufferBytesMax``) or the server drains; ``onClose(_:)`` tells the producer,
/// which then stops. Safe from any thread: writes move to the connection's loop in order.
public final class ResponseStream: Sendable {
    /// Bytes a producer may write before the server has sent the head (a backlog written before
    /// the response is returned); past it the stream is closed.
    public static let earlyBytesMax = 1_048_576

    /// Written as its own chunk when the stream has been idle for the heartbeat interval; `nil`
    /// for none (a proxy relaying another server's stream, whose own heartbeats pass through).
    public let heartbeat: [UInt8]?
    private let state = Mutex(State())

    private struct State {
        /// The connection, once the head is written.
        var sink: (any StreamSink)?
        /// Writes made before the head was written.
        var early: [UInt8] = []
        var finished = false
        var closed = false
        /// Bytes handed to the sink that its loop has not yet taken: a producer on another thread
        /// can write faster than the loop runs, and these wait in the loop's queue meanwhile.
        var queuedBytes = 0
        /// ``HTTPLimits/streamBufferBytesMax`` of the connection, once attached.
        var queuedBytesMax = Int.max
        var closeHandlers: [@Sendable () -> Void] = []
    }

    /// A stream; `heartbeat` is sent while idle (SSE: ``ResponseStream/sseHeartbeat``).
    public init(heartbeat: [UInt8]?) {
        self.heartbeat = heartbeat
    }

    /// The Server-Sent Events heartbeat: a comment line, which clients ignore
    /// (WHATWG HTML §9.2.6: a line starting with a colon).
    public static let sseHeartbeat = Array(": keep-alive\n\n".utf8)

    /// Queues `bytes` for the client; false (and nothing sent) once the stream is closed or finished.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return !isClosed }
        enum Next { case send(any StreamSink), overflow(any StreamSink), none }
        let next: Next = state.withLock { state in
            if state.closed || state.finished { return .none }
            guard let sink = state.sink else {
                state.early.append(contentsOf: bytes)
                return .none
            }
            // The same bound as the connection's unsent output: a producer outrunning the loop is
            // a slow reader too, one step earlier.
            if state.queuedBytes + bytes.count > state.queuedBytesMax { return .overflow(sink) }
            state.queuedBytes += bytes.count
            return .send(sink)
        }
        switch next {
        case .send(let sink):
            sink.streamWrite(bytes)
            return true
        case .overflow(let sink):
            sink.streamOverflowed()
            serverClosed()
            return false
        case .none:
            break
        }
        let overflowed = state.withLock { !$0.closed && $0.sink == nil && $0.early.count > Self.earlyBytesMax }
        if overflowed { serverClosed() }
        return state.withLock { !$0.closed && !$0.finished }
    }

    /// Ends the stream normally (the last chunk, then the connection goes on or closes).
    public func finish() {
        let sink: (any StreamSink)? = state.withLock { state in
            if state.closed || state.finished { return nil }
            state.finished = true
            return state.sink
        }
        sink?.streamFinish()
    }

    /// Calls `handler` once when the stream closes for any reason (at once if it already has).
    /// The producer stops there: unsubscribes, closes what feeds it.
    public func onClose(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { state in
            if state.closed { return true }
            state.closeHandlers.append(handler)
            return false
        }
        if now { handler() }
    }

    /// Whether the stream is closed (nothing more will be sent).
    public var isClosed: Bool { state.withLock { $0.closed } }

    // MARK: - The server's side

    /// The head is written: later writes go to `sink`. Gives the bytes written before, and whether
    /// the producer has already finished.
    func attach(_ sink: any StreamSink, queuedBytesMax: Int) -> (early: [UInt8], finished: Bool) {
        state.withLock { state in
            state.sink = sink
            state.queuedBytesMax = queuedBytesMax
            defer { state.early = [] }
            return (state.early, state.finished)
        }
    }

    /// The connection's loop has taken `count` written bytes into its output.
    func taken(_ count: Int) {
        state.withLock { $0.queuedBytes -= count }
    }

    /// The connection is done with the stream (closed, drained, overflowed, or the producer
    /// finished): runs the close handlers once.
    func serverClosed() {
        let handlers: [@Sendable () -> Void] = state.withLock { state in
            if state.closed { return [] }
            state.closed = true
            state.sink = nil
            state.early = []
            defer { state.closeHandlers = [] }
            return state.closeHandlers
        }
        for handler in handlers { handler() }
    }
}

/// Where a ``ResponseStream`` sends, once attached: its connection.
protocol StreamSink: Sendable {
    /// More body bytes, from any thread.
    func streamWrite(_ bytes: [UInt8])
    /// The producer finished, from any thread.
    func streamFinish()
    /// The producer has outrun the loop by more than the stream's bound: close, from any thread.
    func streamOverflowed()
}
