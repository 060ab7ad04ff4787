import Sockets

/// The body of an upstream answer that arrives over time (``ClientResponse/stream``; a
/// `text/event-stream` relayed by the gateway). The reader calls ``start(onData:onEnd:)`` and gets
/// each read's data as it comes, then one end; ``cancel()`` closes the upstream connection (the
/// client went away). The connection goes back to its pool only when the body has ended cleanly.
///
/// Confined to the loop of the connection that reads it (``loop``): start and cancel there.
/// `@unchecked Sendable` only so the response that carries it can be handed to a completion.
public final class ClientBodyStream: @unchecked Sendable {
    /// Bytes kept while nobody has started reading; past it the stream fails. Data normally has a
    /// reader from the head's completion on; this bounds a reader that never starts.
    static let waitingBytesMax = 256 * 1024

    /// The loop that reads it.
    public let loop: EventLoop
    private var connection: UpstreamConnection?
    private var onData: (([UInt8]) -> Void)?
    private var onEnd: ((HTTPClientError?) -> Void)?
    private var waiting: [UInt8] = []
    /// How it ended before anyone read it (`.some(nil)`: cleanly).
    private var endedEarly: HTTPClientError?? = nil
    private var ended = false

    init(loop: EventLoop, connection: UpstreamConnection) {
        self.loop = loop
        self.connection = connection
    }

    /// Reads the body: `onData` with each piece as it arrives, then `onEnd` once (`nil` when the
    /// upstream ended it, else why it broke: ``HTTPClientError/timedOut`` when it sent nothing,
    /// heartbeats included, for ``HTTPClient/Configuration/streamIdleTimeoutMs``). On the loop.
    public func start(onData: @escaping ([UInt8]) -> Void, onEnd: @escaping (HTTPClientError?) -> Void) {
        precondition(loop.inEventLoop, "a ClientBodyStream is read on its loop")
        self.onData = onData
        self.onEnd = onEnd
        if !waiting.isEmpty {
            let data = waiting
            waiting = []
            onData(data)
        }
        if let early = endedEarly {
            endedEarly = nil
            finish(early)
        }
    }

    /// Stops reading: the upstream connection is closed (it cannot be reused mid-body). On the loop.
    public func cancel() {
        ended = true
        onData = nil
        onEnd = nil
        waiting = []
        let open = connection
        connection = nil
        open?.close()
    }

    // MARK: - The connection's side

    /// Data read from the upstream; false when it had to be dropped (no reader, too much waiting).
    func deliver(_ data: [UInt8]) -> Bool {
        guard !ended, !data.isEmpty else { return !ended }
        if let onData {
            onData(data)
            return true
        }
        guard waiting.count + data.count <= Self.waitingBytesMax else { return false }
        waiting.append(contentsOf: data)
        return true
    }

    /// The body ended (`nil`) or broke; the connection is no longer this stream's.
    func finish(_ error: HTTPClientError?) {
        connection = nil
        guard !ended else { return }
        guard let onEnd else {
            endedEarly = .some(error)
            return
        }
        ended = true
        self.onEnd = nil
        onData = nil
        onEnd(error)
    }
}
