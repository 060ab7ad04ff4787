import Sockets

#if canImport(Glibc)
import Glibc
#endif

/// One keep-alive connection to an upstream, serving one request at a time. Confined to its
/// pool's loop thread. A streamed answer (``ClientBodyStream``) keeps it busy, out of the idle
/// pool, until its body ends.
final class UpstreamConnection: EventHandler {
    private enum State {
        case connecting, busy, idle, closed
    }

    private let fd: Int32
    private let address: SocketAddress
    /// Strong: `unowned` costs a checked retain at every use (several per request). The pool's
    /// arrays hold this connection only until it closes, which breaks the cycle; `closeAll`
    /// closes every one.
    private let pool: UpstreamPool
    private var state = State.connecting
    private var job: UpstreamJob?
    private var reused = false
    private var receivedAny = false
    private var output: [UInt8] = []
    private var outputStart = 0
    private var input: [UInt8] = []
    private var parser: ResponseParser
    private var watchingWrite = true
    private(set) var idleSince: LoopInstant = .now
    /// Where the pool keeps this connection while it is busy; -1 otherwise (the pool's business).
    var activeIndex = -1
    /// The streamed body being read, after its head completed the job.
    private var stream: ClientBodyStream?
    private var streamDecoder: StreamedBodyDecoder?
    private var streamKeepAlive = false
    /// When the stream last sent a byte: past ``HTTPClient/Configuration/streamIdleTimeoutMs`` it
    /// has died (its heartbeats stopped) and is closed.
    private var streamLastReadAt: LoopInstant = .now

    init(fd: Int32, address: SocketAddress, pool: UpstreamPool) {
        self.fd = fd
        self.address = address
        self.pool = pool
        parser = ResponseParser(limits: pool.responseLimits)
    }

    /// Whether an idle connection can take a request (its peer has not closed it meanwhile).
    var isUsable: Bool { state == .idle }

    func run(_ job: UpstreamJob, reused: Bool) {
        self.job = job
        self.reused = reused
        receivedAny = false
        parser.requestWasHead = job.isHead
        parser.omittedFields = job.omittedResponseFields
        parser.streamsEventStreams = job.streamsEventStreams
        output = job.bytes
        outputStart = 0
        if state == .idle {
            state = .busy
            flush()
        }
    }

    func handleEvent(_ events: UInt32) {
        if state == .connecting {
            guard events & (EventMask.writable | EventMask.error | EventMask.hangup) != 0 else { return }
            if Socket.pendingError(fd) != 0 {
                fail(.connectFailed)
                return
            }
            state = .busy
            flush()
            if state == .closed { return }
        } else if events & EventMask.writable != 0 {
            flush()
            if state == .closed { return }
        }
        if events & (EventMask.readable | EventMask.peerClosed | EventMask.hangup | EventMask.error) != 0 {
            readAvailable()
        }
    }

    private func flush() {
        while outputStart < output.count {
            let written = output.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + outputStart, raw.count - outputStart, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                outputStart += written
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                setWatchingWrite(true)
                return
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                brokeBeforeResponse()
                return
            }
        }
        output = []
        outputStart = 0
        setWatchingWrite(false)
    }

    private func readAvailable() {
        let scratch = pool.scratch
        let count = read(fd, scratch.baseAddress, scratch.count)
        if count == 0 {
            if stream != nil {
                let endsAtClose = streamDecoder?.endsAtClose ?? false
                close(streamError: endsAtClose ? nil : .connectionFailed)
                return
            }
            if state == .busy, let response = parser.finishAtEOF() {
                complete(response, keepAlive: false)
            } else if state == .busy {
                brokeBeforeResponse()
            } else {
                close()
            }
            return
        }
        if count < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
            if state == .busy { brokeBeforeResponse() } else { close() }
            return
        }
        guard state == .busy else {
            close()  // bytes on an idle connection: nothing was asked, so the stream is unusable
            return
        }
        receivedAny = true
        let chunk = UnsafeRawBufferPointer(rebasing: scratch[0..<count])
        if stream != nil {
            readStreamed(chunk)
            return
        }
        let event: ResponseParser.Event
        let consumed: Int
        if input.isEmpty {
            // The usual case, a whole response in one read: parsed where it was read, and only
            // what the parser leaves is kept (two copies per response fewer).
            (event, consumed) = parser.parse(chunk)
            if consumed < count { input.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[consumed...])) }
        } else {
            input.append(contentsOf: chunk)
            (event, consumed) = input.withUnsafeBytes { parser.parse($0) }
            input.removeFirst(consumed)
        }
        switch event {
        case .needMore:
            break
        case .response(let response, let keepAlive):
            complete(response, keepAlive: keepAlive && input.isEmpty)
        case .streamHead(let response, let framing, let keepAlive):
            beginStream(response, framing: framing, keepAlive: keepAlive)
        case .failure:
            fail(.badResponse)
        }
    }

    // MARK: - Streamed answers

    /// The head of a streamed answer: the job completes with it, and the body's bytes go to its
    /// ``ClientBodyStream`` as they come (those read with the head first).
    private func beginStream(_ head: ClientResponse, framing: BodyFraming, keepAlive: Bool) {
        let body = ClientBodyStream(loop: pool.loop, connection: self)
        stream = body
        streamDecoder = StreamedBodyDecoder(framing: framing, limits: pool.responseLimits)
        streamKeepAlive = keepAlive
        streamLastReadAt = pool.loop.now
        var response = head
        response.stream = body
        let finished = job
        job = nil
        finished?.complete(.success(response))
        guard stream === body, !input.isEmpty else { return }  // cancelled at once, or nothing more yet
        let rest = input
        input = []
        rest.withUnsafeBytes { readStreamed($0) }
    }

    private func readStreamed(_ bytes: UnsafeRawBufferPointer) {
        guard let body = stream, var decoder = streamDecoder else { return }
        streamLastReadAt = pool.loop.now
        var data: [UInt8] = []
        let (consumed, outcome) = decoder.decode(bytes, into: &data)
        streamDecoder = decoder
        if !body.deliver(data) {
            close(streamError: .connectionFailed)
            return
        }
        guard stream === body else { return }  // the reader cancelled while taking the data
        switch outcome {
        case .needMore:
            break
        case .done:
            // Ended cleanly: the connection is reusable if nothing follows the body.
            stream = nil
            streamDecoder = nil
            if streamKeepAlive && consumed == bytes.count {
                state = .idle
                idleSince = pool.loop.now
                pool.release(self)
            } else {
                close()
            }
            body.finish(nil)
        case .failure:
            close(streamError: .badResponse)
        }
    }

    /// Closes the connection, ending a stream on it with `streamError` (`nil`: its body ran to the close).
    private func close(streamError: HTTPClientError?) {
        let body = stream
        stream = nil
        streamDecoder = nil
        close()
        body?.finish(streamError)
    }

    /// The connection broke: retry once on a fresh connection if the request never got an
    /// answer byte, came over a reused connection, and is safe to repeat (API.md "Gateway").
    private func brokeBeforeResponse() {
        guard let job else {
            close()
            return
        }
        if reused && !receivedAny && job.retryable && job.attempts == 0 {
            self.job = nil
            close()
            pool.retry(job, address: address)
        } else {
            fail(.connectionFailed)
        }
    }

    private func complete(_ response: ClientResponse, keepAlive: Bool) {
        let finished = job
        job = nil
        if keepAlive {
            state = .idle
            idleSince = pool.loop.now
            pool.release(self)
        } else {
            close()
        }
        finished?.complete(.success(response))
    }

    private func fail(_ error: HTTPClientError) {
        let failed = job
        job = nil
        close()
        failed?.complete(.failure(error))
    }

    func checkDeadline(now: LoopInstant) {
        if let job, now >= job.deadline { fail(state == .connecting ? .connectTimedOut : .timedOut) }
        // An established stream has no response deadline, only this idle one.
        if stream != nil && now - streamLastReadAt >= pool.configuration.streamIdleTimeout {
            close(streamError: .timedOut)
        }
    }

    private func setWatchingWrite(_ watching: Bool) {
        guard watching != watchingWrite, state != .closed else { return }
        watchingWrite = watching
        var events = EventMask.readable | EventMask.peerClosed
        if watching { events |= EventMask.writable }
        pool.loop.modify(fd, events: events)
    }

    func close() {
        guard state != .closed else { return }
        state = .closed
        pool.loop.deregister(fd)
        Glibc.close(fd)
        pool.forget(self)
        if let pending = job {
            job = nil
            pending.complete(.failure(.connectionFailed))
        }
        if let body = stream {
            stream = nil
            streamDecoder = nil
            body.finish(.connectionFailed)
        }
    }
}
