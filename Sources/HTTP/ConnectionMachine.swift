import Sockets

/// One server connection's life as a pure state machine: no sockets, no clock, no loop. The
/// shell (``HTTPConnection``) feeds it events — bytes read, end of input, output written or
/// blocked, a response delivered, a deadline passed — each with the current instant, and does
/// what the returned ``Action`` and the machine's wishes say: write ``pendingOutput``, watch the
/// socket for reading (``wantsRead``) and writing (``wantsWritable``), call ``timerFired(now:)``
/// once ``deadline`` passes. Tests drive it with a hand-moved instant (`ConnectionMachineTests`).
///
/// It parses and hands complete requests to the responder one at a time (pipelined requests wait
/// their turn, so responses leave in order), serializes the answers, and enforces the header,
/// body, idle, write and linger deadlines. (In the manner of h11 and picohttpparser: the protocol
/// is a value, I/O is the caller's.)
///
/// Wishes rather than actions for interest and deadlines: an event may pause and resume reading
/// several times, and the shell changes the epoll registration once, at the end, if the final
/// wish differs; deadlines are checked by the loop's tick against ``deadline``.
struct ConnectionMachine {
    enum State {
        /// Between requests (or before the first): no byte of a request yet.
        case idle
        case readingHead
        case readingBody
        /// A request is with the responder.
        case handling
        /// A streamed response's head is out and its body is being produced
        /// (``HTTPResponse/stream``): each piece becomes a chunk, a heartbeat fills idle stretches.
        case streaming
        /// The last response is queued; the connection closes once it is written.
        case closing
        /// Written and half-closed; draining what the client still sends so the close does not
        /// turn into a reset that destroys the response in flight (RFC 9112 §9.6).
        case lingering
        case closed
    }

    /// What the shell must do now, besides following the machine's wishes. A plain enum: one with
    /// the request as payload cost an outlined copy and destroy of every field per request (6% more
    /// instructions per `/health` under callgrind), so the payloads wait in the machine instead.
    enum Action {
        case none
        /// Take the request (``takeRequest()``) and hand it to the responder, then call
        /// ``responderReturned(now:)`` (an answer given on the spot arrives through
        /// ``deliver(_:now:)`` meanwhile).
        case dispatch
        /// The server answered a request itself (its answer is queued): report ``takeRejection()``
        /// to the hook.
        case reject
        /// Everything is written: shut the socket's write side (the machine now lingers).
        case shutdownWrite
        /// Close the socket now and call ``close()``.
        case close
    }

    let peer: String
    private let environment: ConnectionEnvironment
    private(set) var state = State.idle
    private var parser: RequestParser
    private var input: [UInt8] = []
    private var inputStart = 0
    private var output: [UInt8] = []
    private var outputStart = 0
    /// The deadline of the current state (header, body, idle or linger).
    private var stateDeadline: LoopInstant
    /// When the request being read sent its first byte (for the log line of a rejected one).
    private var requestStarted: LoopInstant
    /// Armed when a write first blocks, disarmed when the output is all written.
    private var writeDeadline: LoopInstant? = nil
    /// Whether the shell should watch the socket for writability (a write blocked).
    private(set) var wantsWritable = false
    private var readingPaused = false
    private var peerClosed = false
    private var pendingMethod = "GET"
    private var pendingKeepAlive = true
    private var pendingVersionMinor = 1
    /// Body bytes of the current request charged to the process's ``BodyBudget``; given back
    /// when the request is answered or the connection closes.
    private var bodyBytesCharged = 0
    /// Between a `.dispatch` and ``responderReturned(now:)``: an answer given on the spot must
    /// not parse the next pipelined request (that would recurse once per request); the return does.
    private(set) var isDispatching = false
    /// Output was queued since the shell last cleared this: it should schedule a flush.
    var outputQueued = false
    /// The request of the last `.dispatch`, until the shell takes it.
    private var dispatched: HTTPRequest? = nil
    /// The rejection of the last `.reject`, until the shell takes it.
    private var rejected: HTTPRejection? = nil
    /// While streaming: whether the body is chunked (HTTP/1.1) rather than running to the close.
    private var streamChunked = true
    /// While streaming: what to write when idle for the heartbeat interval (`nil`: nothing).
    private var streamHeartbeat: [UInt8]? = nil
    /// The stream was closed because its client read too slowly (``HTTPLimits/streamBufferBytesMax``).
    private(set) var streamOverflowed = false

    /// A connection accepted at `now`.
    init(peer: String, environment: ConnectionEnvironment, now: LoopInstant) {
        self.peer = peer
        self.environment = environment
        parser = RequestParser(limits: environment.limits)
        // API.md: a new connection that sends nothing gets the header timeout, not the idle one.
        stateDeadline = now + environment.limits.headerTimeout
        requestStarted = now
    }

    /// The request of the `.dispatch` just returned (moved out, not copied).
    mutating func takeRequest() -> HTTPRequest {
        dispatched.take()!
    }

    /// The rejection of the `.reject` just returned.
    mutating func takeRejection() -> HTTPRejection {
        rejected.take()!
    }

    // MARK: - Wishes

    /// Whether shutdown may close this connection without cutting a request short.
    /// An answer still being written (the client reads slowly) is not idle: closing would cut it.
    var isIdle: Bool { state == .idle && inputStart == input.count && outputStart == output.count }

    var isClosed: Bool { state == .closed }

    /// Whether the shell should watch the socket for reading.
    var wantsRead: Bool { !readingPaused }

    /// Whether a streamed response is being sent.
    var isStreaming: Bool { state == .streaming }

    /// When ``timerFired(now:)`` is next due; `nil` while nothing is timed (a request is with the
    /// responder, or a last answer is written without blocking). Inlined: as a call, the tick's
    /// read of it through the connection copied the whole machine (callgrind).
    var deadline: LoopInstant? {
        @inline(__always) get {
            let timed: LoopInstant?
            switch state {
            case .idle, .readingHead, .readingBody, .lingering: timed = stateDeadline
            case .streaming: timed = streamHeartbeat == nil ? nil : stateDeadline
            case .handling, .closing, .closed: timed = nil
            }
            guard let writeDeadline else { return timed }
            return timed.map { min($0, writeDeadline) } ?? writeDeadline
        }
    }

    // MARK: - Reading

    /// Bytes the client sent.
    mutating func bytesRead(_ bytes: UnsafeRawBufferPointer, now: LoopInstant) -> Action {
        switch state {
        case .closing, .lingering, .closed:
            return .none  // discarded: nothing more will be answered
        case .idle:
            beginRequest(now: now)
        case .readingHead, .readingBody, .handling, .streaming:
            break
        }
        input.append(contentsOf: bytes)
        if state == .handling || state == .streaming {
            // Pipelined bytes wait for the current response; stop reading if they pile up (the
            // rest waits in the kernel's buffers, not ours).
            if input.count - inputStart > environment.limits.pipelinedInputBytesMax { readingPaused = true }
            return .none
        }
        return process(now: now)
    }

    /// The client closed its side (a read returned 0).
    mutating func endOfInput() -> Action {
        peerClosed = true
        switch state {
        case .handling, .closing:
            // A half-closed client may still want its answer: send it, then close.
            readingPaused = true
            return .none
        case .idle, .readingHead, .readingBody, .lingering, .closed, .streaming:
            // A stream has no end for a half-closed client to wait for: it has gone.
            return .close
        }
    }

    /// The first byte of a request is in: its head has the header timeout from now.
    private mutating func beginRequest(now: LoopInstant) {
        state = .readingHead
        stateDeadline = now + environment.limits.headerTimeout
        requestStarted = now
    }

    /// Parses buffered bytes until a request is dispatched, more bytes are needed, or an error.
    private mutating func process(now: LoopInstant) -> Action {
        while state == .readingHead || state == .readingBody || (state == .idle && inputStart < input.count) {
            if state == .idle { beginRequest(now: now) }
            let readingBody = state == .readingBody
            let start = inputStart
            let peer = peer
            let (event, consumed) = input.withUnsafeBytes { raw in
                parser.parse(UnsafeRawBufferPointer(rebasing: raw[start...]), peer: peer)
            }
            inputStart += consumed
            // Body bytes now sit in the parser's buffer: charge them to the process's budget
            // (MAX_BUFFERED_BODY_BYTES), or shed this request.
            if readingBody && consumed > 0 && !chargeBody(consumed, now: now) { return .reject }
            switch event {
            case .needMore:
                compactInput()
                return .none
            case .headComplete(let expectsContinue):
                state = .readingBody
                stateDeadline = now + environment.limits.bodyTimeout
                // RFC 9110 §10.1.1: no 100 when the body has started to arrive anyway.
                if expectsContinue && inputStart == input.count {
                    output.append(contentsOf: Self.continueLine)
                    outputQueued = true
                }
            case .request(let request):
                compactInput()
                state = .handling
                pendingMethod = request.method
                pendingKeepAlive = request.keepAlive
                pendingVersionMinor = request.versionMinor
                isDispatching = true
                dispatched = request
                return .dispatch
            case .failure(let error):
                // After a framing error the next request's start is unknowable: answer and close.
                queueRejection(error.problem, now: now)
                return .reject
            }
        }
        return .none
    }

    /// The responder returned from the request last dispatched (it may have answered already).
    mutating func responderReturned(now: LoopInstant) -> Action {
        isDispatching = false
        // Answered on the spot: go on with pipelined bytes, unless writing fell behind.
        if state == .handling || readingPaused { return .none }
        return process(now: now)
    }

    private static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Charges `bytes` of body to the budget; when it is spent, queues 503 with `Retry-After`
    /// and a close (which frees the body at once) and returns false.
    private mutating func chargeBody(_ bytes: Int, now: LoopInstant) -> Bool {
        if environment.bodyBudget.charge(bytes, declaredBytes: parser.declaredBodyBytes) {
            bodyBytesCharged += bytes
            return true
        }
        let retryAfter = environment.limits.bodyBudgetRetryAfterSeconds
        queueRejection(ProblemDetails(type: "/problems/service-unavailable", title: "Service unavailable",
                                             status: 503,
                                             detail: "The server is receiving too many request bodies; retry later."),
                              headers: ["Retry-After": String(retryAfter)], now: now)
        return false
    }

    /// Gives the current request's body bytes back to the budget.
    private mutating func releaseBody() {
        environment.bodyBudget.release(bodyBytesCharged)
        bodyBytesCharged = 0
    }

    private mutating func compactInput() {
        if inputStart == input.count {
            // Shrink back: an idle connection should hold no buffer worth counting.
            if input.capacity > 4096 { input = [] } else { input.removeAll(keepingCapacity: true) }
            inputStart = 0
        } else if inputStart > 4096 && inputStart * 2 > input.count {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    /// Queues the server's own answer to the request being read and moves to closing; keeps
    /// what the shell reports to the rejection hook (``takeRejection()``).
    private mutating func queueRejection(_ problem: ProblemDetails, headers: HTTPHeaders = HTTPHeaders(),
                                         now: LoopInstant) {
        releaseBody()
        let requestID = RequestID.next()
        var response = HTTPResponse.problem(problem, headers: headers)
        response.requestID = requestID
        ResponseWriter.write(response, method: "GET", keepAlive: false, announceKeepAlive: false,
                             date: environment.dateLine, into: &output)
        outputQueued = true
        state = .closing
        input = []
        inputStart = 0
        let method = parser.method
        // Nothing more is parsed: drop the partial body now, not when the lingering close ends.
        parser = RequestParser(limits: environment.limits)
        rejected = HTTPRejection(status: problem.status, requestID: requestID, method: method, peer: peer,
                                 duration: now - requestStarted, reason: problem.detail)
    }

    // MARK: - Answers (after a dispatch)

    /// The responder's answer. Queues it and moves on to the next pipelined request, if any (not
    /// while the request is still being dispatched: ``responderReturned(now:)`` does that).
    mutating func deliver(_ response: HTTPResponse, now: LoopInstant) -> Action {
        guard state == .handling else { return .none }  // closed meanwhile (peer reset, forced shutdown)
        releaseBody()  // answered: the request and its body are the responder's no longer
        var keepAlive = pendingKeepAlive && !environment.draining && !peerClosed
            && !response.headers.hasToken("close", in: "Connection")
        let streams = response.stream != nil && !HTTPResponse.hasNoBody(status: response.status, method: pendingMethod)
        // RFC 9112 §6.3: without chunked coding (an HTTP/1.0 client) the close ends the body.
        if streams && pendingVersionMinor == 0 { keepAlive = false }
        ResponseWriter.write(response, method: pendingMethod, keepAlive: keepAlive,
                             announceKeepAlive: pendingVersionMinor == 0, date: environment.dateLine,
                             chunked: pendingVersionMinor == 1, into: &output)
        outputQueued = true
        if streams {
            state = .streaming
            pendingKeepAlive = keepAlive
            streamChunked = pendingVersionMinor == 1
            streamHeartbeat = response.stream?.heartbeat
            stateDeadline = now + environment.limits.streamHeartbeatInterval
            return .none
        }
        return responseQueued(keepAlive: keepAlive, now: now)
    }

    /// The last byte of an answer is queued: close after it, or wait for the next request (parsing
    /// one already here unless writing fell behind or the answer came during its dispatch).
    private mutating func responseQueued(keepAlive: Bool, now: LoopInstant) -> Action {
        if !keepAlive {
            state = .closing
            return .none
        }
        state = .idle
        stateDeadline = now + environment.limits.idleTimeout
        if output.count - outputStart > environment.limits.outputBytesHighWater {
            readingPaused = true  // resumes once the client has read its answers
            return .none
        }
        if readingPaused && !peerClosed { readingPaused = false }
        if inputStart < input.count && !isDispatching { return process(now: now) }
        return .none
    }

    // MARK: - Streamed answers

    /// More of the streamed body: one chunk. Closes the connection once the client has left more
    /// than ``HTTPLimits/streamBufferBytesMax`` unread: a slow reader is dropped, not buffered for.
    mutating func streamBytes(_ bytes: UnsafeRawBufferPointer, now: LoopInstant) -> Action {
        guard state == .streaming, !bytes.isEmpty else { return .none }
        ResponseWriter.writeChunk(bytes, chunked: streamChunked, into: &output)
        outputQueued = true
        stateDeadline = now + environment.limits.streamHeartbeatInterval  // only idle stretches get one
        return checkStreamBuffer()
    }

    /// The producer finished, or the server ends the stream (draining): the last chunk, then the
    /// connection waits for the next request or closes as any answer's would.
    mutating func streamFinished(now: LoopInstant) -> Action {
        guard state == .streaming else { return .none }
        if streamChunked { output.append(contentsOf: ResponseWriter.lastChunk) }
        outputQueued = true
        streamHeartbeat = nil
        return responseQueued(keepAlive: pendingKeepAlive && !environment.draining && !peerClosed, now: now)
    }

    private mutating func checkStreamBuffer() -> Action {
        guard output.count - outputStart > environment.limits.streamBufferBytesMax else { return .none }
        streamOverflowed = true
        return .close
    }

    // MARK: - Output

    /// Whether bytes wait to be written.
    var hasPendingOutput: Bool { outputStart < output.count }

    /// Lends the bytes waiting to be written (not empty when ``hasPendingOutput``). `mutating`
    /// though it changes nothing: the shell's call then borrows the machine in place, where a
    /// non-mutating call on its stored property copied the whole machine first (callgrind: ~600
    /// instructions per request).
    mutating func withPendingOutput(_ body: (UnsafeRawBufferPointer) -> Int) -> Int {
        let start = outputStart
        return output.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }

    /// The shell wrote `count` bytes of the pending output.
    mutating func wrote(_ count: Int) {
        outputStart += count
    }

    /// A write would block: watch for writability, and give the client ``HTTPLimits/writeTimeout``
    /// from the first time it stopped reading (later progress does not renew it).
    mutating func writeBlocked(now: LoopInstant) {
        guard !wantsWritable else { return }
        wantsWritable = true
        writeDeadline = now + environment.limits.writeTimeout
    }

    /// Everything queued is written (or nothing was queued).
    mutating func outputDrained(now: LoopInstant) -> Action {
        if output.capacity > 65536 { output = [] } else { output.removeAll(keepingCapacity: true) }
        outputStart = 0
        writeDeadline = nil
        wantsWritable = false
        switch state {
        case .closing:
            return startLingering(now: now)
        case .idle where environment.draining && inputStart == input.count:
            return .close  // its last answer, given before the drain began, is out; nothing else is coming
        case .idle where readingPaused && !peerClosed:
            readingPaused = false
            if inputStart < input.count { return process(now: now) }
            return .none
        default:
            return .none
        }
    }

    private mutating func startLingering(now: LoopInstant) -> Action {
        if peerClosed { return .close }
        state = .lingering
        stateDeadline = now + environment.limits.lingerTimeout
        readingPaused = false
        return .shutdownWrite
    }

    // MARK: - Deadlines and closing

    /// The loop's tick at `now`: enforces the deadline of the current state and the write deadline.
    mutating func timerFired(now: LoopInstant) -> Action {
        if let writeDeadline, now >= writeDeadline { return .close }
        guard now >= stateDeadline else { return .none }
        switch state {
        case .readingHead, .readingBody:
            // A request was started and not finished in time: say so, then close.
            queueRejection(ProblemDetails(type: "/problems/request-timeout", title: "Request timeout",
                                          status: 408, detail: "The request was not received in time."), now: now)
            return .reject
        case .idle, .lingering:
            return .close
        case .streaming:
            guard let heartbeat = streamHeartbeat else { return .none }
            let action = heartbeat.withUnsafeBytes { streamBytes($0, now: now) }
            return action
        case .handling, .closing, .closed:
            return .none
        }
    }

    /// Forgets the connection's buffers and gives its body bytes back; true the first time (the
    /// shell then closes the socket), false once closed.
    mutating func close() -> Bool {
        guard state != .closed else { return false }
        state = .closed
        wantsWritable = false
        writeDeadline = nil
        input = []
        inputStart = 0
        output = []
        outputStart = 0
        outputQueued = false
        dispatched = nil
        rejected = nil
        streamHeartbeat = nil
        releaseBody()
        return true
    }
}
