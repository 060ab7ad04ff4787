#if canImport(Glibc)
import Glibc
#endif
import Sockets

/// One accepted connection: reads, parses, hands complete requests to the responder one at a
/// time (pipelined requests wait their turn, so responses leave in order), writes responses, and
/// enforces the header, body, idle and write deadlines.
///
/// Confined to its event loop's thread; `@unchecked Sendable` only so the handler task (which
/// runs on that same loop through its executor preference) can hand the response back.
final class HTTPConnection: EventHandler, @unchecked Sendable {
    enum State {
        /// Between requests (or before the first): no byte of a request yet.
        case idle
        case readingHead
        case readingBody
        /// A request is with the responder.
        case handling
        /// The last response is queued; the connection closes once it is written.
        case closing
        /// Written and half-closed; draining what the client still sends so the close does not
        /// turn into a reset that destroys the response in flight (RFC 9112 §9.6).
        case lingering
        case closed
    }

    let fd: Int32
    let peer: String
    /// Strong: `unowned` costs a checked retain at every use, and this is used several times per
    /// request. The owner's table holds this connection only until it closes, which breaks the
    /// cycle; an answer arriving after the server has gone (a handler that outlived the drain)
    /// keeps the owner alive until it is dropped on the stopped loop.
    private let owner: ServerLoop
    private let loop: EventLoop
    private(set) var state = State.idle
    private var parser: RequestParser
    private var input: [UInt8] = []
    private var inputStart = 0
    private var output: [UInt8] = []
    private var outputStart = 0
    private var deadline: ContinuousClock.Instant
    /// When the request being read sent its first byte (for the log line of a rejected one).
    private var requestStarted: ContinuousClock.Instant
    private var writeDeadline: ContinuousClock.Instant? = nil
    private var watchingWrite = false
    private var readingPaused = false
    private var peerClosed = false
    private var pendingMethod = "GET"
    private var pendingKeepAlive = true
    private var pendingVersionMinor = 1
    /// Body bytes of the current request charged to the process's ``BodyBudget``; given back
    /// when the request is answered or the connection closes.
    private var bodyBytesCharged = 0
    /// Set while the responder runs: an answer given on the spot must not re-enter ``process()``
    /// (pipelined requests would recurse once each); `process()` itself moves on instead.
    private var dispatching = false
    var isDirty = false

    init(fd: Int32, peer: String, owner: ServerLoop) {
        self.fd = fd
        self.peer = peer
        self.owner = owner
        loop = owner.loop
        parser = RequestParser(limits: owner.limits)
        // API.md: a new connection that sends nothing gets the header timeout, not the idle one.
        deadline = loop.now + owner.limits.headerTimeout
        requestStarted = loop.now
    }

    /// Whether shutdown may close this connection without cutting a request short.
    /// An answer still being written (the client reads slowly) is not idle: closing would cut it.
    var isIdle: Bool { state == .idle && inputStart == input.count && outputStart == output.count }

    // MARK: - Events

    func handleEvent(_ events: UInt32) {
        if events & EventMask.writable != 0 { flush() }
        if state == .closed { return }
        if events & (EventMask.readable | EventMask.hangup | EventMask.error | EventMask.peerClosed) != 0 {
            readAvailable()
            // Answers produced while reading (every pipelined request of the read that could be
            // answered on the spot) go out now, in one write, rather than after the rest of the
            // epoll batch: the client can send its next request meanwhile.
            if isDirty { flush() }
        }
    }

    private func readAvailable() {
        let scratch = owner.scratch
        let count = read(fd, scratch.baseAddress, scratch.count)
        if count == 0 {
            peerClosed = true
            switch state {
            case .handling, .closing:
                // A half-closed client may still want its answer: send it, then close.
                pauseReading()
            default:
                close()
            }
            return
        }
        if count < 0 {
            if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { close() }
            return
        }
        switch state {
        case .closing, .lingering, .closed:
            return  // discarded: nothing more will be answered
        case .idle:
            beginRequest()
        default:
            break
        }
        input.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
        if state == .handling {
            // Pipelined bytes wait for the current response; stop reading if they pile up (the
            // rest waits in the kernel's buffers, not ours).
            if input.count - inputStart > owner.limits.pipelinedInputBytesMax { pauseReading() }
            return
        }
        process()
    }

    // MARK: - Parsing

    /// The first byte of a request is in: its head has the header timeout from now.
    private func beginRequest() {
        state = .readingHead
        deadline = loop.now + owner.limits.headerTimeout
        requestStarted = loop.now
    }

    /// Parses buffered bytes until a request is dispatched, more bytes are needed, or an error.
    private func process() {
        while state == .readingHead || state == .readingBody || (state == .idle && inputStart < input.count) {
            if state == .idle { beginRequest() }
            let readingBody = state == .readingBody
            let (event, consumed) = input.withUnsafeBytes { raw in
                parser.parse(UnsafeRawBufferPointer(rebasing: raw[inputStart...]), peer: peer)
            }
            inputStart += consumed
            // Body bytes now sit in the parser's buffer: charge them to the process's budget
            // (MAX_BUFFERED_BODY_BYTES), or shed this request.
            if readingBody && consumed > 0 && !chargeBody(consumed) { return }
            switch event {
            case .needMore:
                compactInput()
                return
            case .headComplete(let expectsContinue):
                state = .readingBody
                deadline = loop.now + owner.limits.bodyTimeout
                if expectsContinue && inputStart == input.count {
                    output.append(contentsOf: Self.continueLine)
                    markDirty()
                }
            case .request(let request):
                compactInput()
                dispatch(request)
                // Answered on the spot: go on with pipelined bytes, unless writing fell behind.
                if state == .handling || readingPaused { return }
            case .failure(let error):
                fail(error)
                return
            }
        }
    }

    private static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Charges `bytes` of body to the budget; when it is spent, answers 503 with `Retry-After`
    /// and closes (which frees the body at once) and returns false.
    private func chargeBody(_ bytes: Int) -> Bool {
        if owner.bodyBudget.charge(bytes, declaredBytes: parser.declaredBodyBytes) {
            bodyBytesCharged += bytes
            return true
        }
        let retryAfter = owner.limits.bodyBudgetRetryAfterSeconds
        queueRejection(ProblemDetails(type: "/problems/service-unavailable", title: "Service unavailable", status: 503,
                                      detail: "The server is receiving too many request bodies; retry later."),
                       headers: ["Retry-After": String(retryAfter)])
        state = .closing
        markDirty()
        return false
    }

    /// Gives the current request's body bytes back to the budget.
    private func releaseBody() {
        owner.bodyBudget.release(bodyBytesCharged)
        bodyBytesCharged = 0
    }

    private func compactInput() {
        if inputStart == input.count {
            // Shrink back: an idle connection should hold no buffer worth counting.
            if input.capacity > 4096 { input = [] } else { input.removeAll(keepingCapacity: true) }
            inputStart = 0
        } else if inputStart > 4096 && inputStart * 2 > input.count {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    private func dispatch(_ request: HTTPRequest) {
        state = .handling
        pendingMethod = request.method
        pendingKeepAlive = request.keepAlive
        pendingVersionMinor = request.versionMinor
        dispatching = true
        owner.responder.respond(to: request, with: ResponseHandle(connection: self))
        dispatching = false
    }

    /// The responder's answer, from any thread (``ResponseHandle``).
    func deliver(_ response: HTTPResponse) {
        if loop.inEventLoop {
            finishAndFlush(response)
        } else {
            loop.execute { self.finishAndFlush(response) }
        }
    }

    /// A response delivered outside a read event (its handler suspended) is written at once too;
    /// one delivered during `dispatch` is written by `handleEvent` (or `flush`) that called it.
    private func finishAndFlush(_ response: HTTPResponse) {
        finish(response)
        if !dispatching && isDirty { flush() }
    }

    /// Queues the responder's answer and moves on to the next pipelined request, if any.
    private func finish(_ response: HTTPResponse) {
        guard state == .handling else { return }  // closed meanwhile (peer reset, forced shutdown)
        releaseBody()  // answered: the request and its body are the responder's no longer
        let keepAlive = pendingKeepAlive && !owner.draining && !peerClosed
            && !response.headers.hasToken("close", in: "Connection")
        ResponseWriter.write(response, method: pendingMethod, keepAlive: keepAlive,
                             announceKeepAlive: pendingVersionMinor == 0, date: owner.dateLine, into: &output)
        markDirty()
        if !keepAlive {
            state = .closing
            return
        }
        state = .idle
        deadline = loop.now + owner.limits.idleTimeout
        if output.count - outputStart > owner.limits.outputBytesHighWater {
            pauseReading()  // resumes once the client has read its answers
            return
        }
        if readingPaused && !peerClosed { resumeReading() }
        if inputStart < input.count && !dispatching { process() }
    }

    /// Answers a framing error and closes: after one, the next request's start is unknowable.
    private func fail(_ error: HTTPParseError) {
        queueRejection(error.problem)
        state = .closing
        markDirty()
    }

    /// Queues the server's own answer to the request being read, and reports it to the hook.
    private func queueRejection(_ problem: ProblemDetails, headers: HTTPHeaders = HTTPHeaders()) {
        releaseBody()
        let requestID = RequestID.next()
        var response = HTTPResponse.problem(problem, headers: headers)
        response.requestID = requestID
        ResponseWriter.write(response, method: "GET", keepAlive: false, announceKeepAlive: false,
                             date: owner.dateLine, into: &output)
        input = []
        inputStart = 0
        let method = parser.method
        // Nothing more is parsed: drop the partial body now, not when the lingering close ends.
        parser = RequestParser(limits: owner.limits)
        owner.rejected(HTTPRejection(status: problem.status, requestID: requestID, method: method, peer: peer,
                                     duration: loop.now - requestStarted, reason: problem.detail))
    }

    // MARK: - Writing

    private func markDirty() {
        guard !isDirty else { return }
        isDirty = true
        owner.dirty.append(self)
    }

    /// Writes queued output: when a read event or a delivery produced some, at the end of the loop
    /// iteration for connections still dirty, and when the socket becomes writable again.
    func flush() {
        // Clean from here on: the loop's end-of-iteration pass skips a connection flushed early, and
        // output queued by what this flush sets off marks it dirty again.
        isDirty = false
        guard state != .closed else { return }
        while outputStart < output.count {
            let written = output.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + outputStart, raw.count - outputStart, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                outputStart += written
                continue
            }
            if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if !watchingWrite {
                    watchingWrite = true
                    writeDeadline = loop.now + owner.limits.writeTimeout
                    updateInterest()
                }
                return
            }
            if written < 0 && errno == EINTR { continue }
            close()
            return
        }
        if output.capacity > 65536 { output = [] } else { output.removeAll(keepingCapacity: true) }
        outputStart = 0
        writeDeadline = nil
        if watchingWrite {
            watchingWrite = false
            updateInterest()
        }
        switch state {
        case .closing:
            startLingering()
        case .idle where owner.draining && inputStart == input.count:
            close()  // its last answer, given before the drain began, is out; nothing else is coming
        case .idle where readingPaused && !peerClosed:
            resumeReading()
            if inputStart < input.count { process() }
        default:
            break
        }
    }

    private func startLingering() {
        if peerClosed {
            close()
            return
        }
        shutdown(fd, Int32(SHUT_WR))
        state = .lingering
        deadline = loop.now + .seconds(2)
        if readingPaused { resumeReading() }
    }

    // MARK: - Interest and deadlines

    private func pauseReading() {
        guard !readingPaused else { return }
        readingPaused = true
        updateInterest()
    }

    private func resumeReading() {
        guard readingPaused else { return }
        readingPaused = false
        updateInterest()
    }

    private func updateInterest() {
        var events: UInt32 = 0
        if !readingPaused { events |= EventMask.readable | EventMask.peerClosed }
        if watchingWrite { events |= EventMask.writable }
        loop.modify(fd, events: events)
    }

    /// Enforces the deadline of the current state; called on every tick.
    func checkDeadlines(now: ContinuousClock.Instant) {
        if let writeDeadline, now >= writeDeadline {
            close()
            return
        }
        guard now >= deadline else { return }
        switch state {
        case .readingHead, .readingBody:
            // A request was started and not finished in time: say so, then close.
            queueRejection(ProblemDetails(type: "/problems/request-timeout", title: "Request timeout", status: 408,
                                          detail: "The request was not received in time."))
            state = .closing
            flush()
        case .idle, .lingering:
            close()
        case .handling, .closing, .closed:
            break
        }
    }

    /// Closes the socket now and forgets the connection.
    func close() {
        guard state != .closed else { return }
        state = .closed
        watchingWrite = false
        loop.deregister(fd)
        Glibc.close(fd)
        input = []
        output = []
        releaseBody()
        owner.connectionClosed(self)
    }
}
