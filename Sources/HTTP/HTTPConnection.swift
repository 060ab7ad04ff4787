#if canImport(Glibc)
import Glibc
#endif
import Sockets

/// One accepted connection's I/O: the thin shell around a ``ConnectionMachine``. It reads into
/// the loop's scratch buffer and feeds the bytes, writes the machine's output, dispatches the
/// requests it hands out to the responder, keeps the epoll registration matching the machine's
/// wishes, and closes the socket when told. Every decision (parsing, pipelining, keep-alive,
/// timeouts, lingering, the body budget) is the machine's.
///
/// Confined to its event loop's thread; `@unchecked Sendable` only so the handler task (which
/// runs on that same loop through its executor preference) can hand the response back.
final class HTTPConnection: EventHandler, StreamSink, @unchecked Sendable {
    let fd: Int32
    /// Strong: `unowned` costs a checked retain at every use, and this is used several times per
    /// request. The owner's table holds this connection only until it closes, which breaks the
    /// cycle; an answer arriving after the server has gone (a handler that outlived the drain)
    /// keeps the owner alive until it is dropped on the stopped loop.
    private let owner: ServerLoop
    private let loop: EventLoop
    private var machine: ConnectionMachine
    /// What epoll watches now; changed only when the machine's wishes differ at an event's end.
    private var watchingRead = true
    private var watchingWrite = false
    var isDirty = false
    /// The streamed response being sent (``ConnectionMachine/isStreaming``), told when it closes.
    private var stream: ResponseStream?

    init(fd: Int32, peer: String, owner: ServerLoop) {
        self.fd = fd
        self.owner = owner
        loop = owner.loop
        machine = ConnectionMachine(peer: peer, environment: owner.environment, now: loop.now)
    }

    var peer: String { machine.peer }

    /// Whether shutdown may close this connection without cutting a request short.
    var isIdle: Bool { machine.isIdle }

    // MARK: - Events

    func handleEvent(_ events: UInt32) {
        if events & EventMask.writable != 0 { flush() }
        if machine.isClosed { return }
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
            perform(machine.endOfInput())
            return
        }
        if count < 0 {
            if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { close() }
            return
        }
        perform(machine.bytesRead(UnsafeRawBufferPointer(rebasing: scratch[0..<count]), now: loop.now))
    }

    /// Does what the machine asked, feeding it the responder's return until it asks for nothing
    /// more; then schedules a flush for queued output and matches the epoll registration.
    private func perform(_ first: ConnectionMachine.Action) {
        var action = first
        while true {
            switch action {
            case .none:
                settle()
                return
            case .dispatch:
                owner.responder.respond(to: machine.takeRequest(), with: ResponseHandle(connection: self))
                action = machine.responderReturned(now: loop.now)
            case .reject:
                owner.rejected(machine.takeRejection())
                settle()
                return
            case .shutdownWrite:
                shutdown(fd, Int32(SHUT_WR))
                settle()
                return
            case .close:
                close()
                return
            }
        }
    }

    private func settle() {
        guard !machine.isClosed else { return }
        if machine.outputQueued {
            machine.outputQueued = false
            markDirty()
        }
        let read = machine.wantsRead
        let write = machine.wantsWritable
        guard read != watchingRead || write != watchingWrite else { return }
        watchingRead = read
        watchingWrite = write
        var events: UInt32 = 0
        if read { events |= EventMask.readable | EventMask.peerClosed }
        if write { events |= EventMask.writable }
        loop.modify(fd, events: events)
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
    /// one delivered during the dispatch is written by `handleEvent` (or `flush`) that called it.
    private func finishAndFlush(_ response: HTTPResponse) {
        perform(machine.deliver(response, now: loop.now))
        if let stream = response.stream {
            if machine.isStreaming {
                startStreaming(stream)
            } else {
                stream.serverClosed()  // HEAD, or the connection closed meanwhile: nothing will be sent
            }
        }
        if !machine.isDispatching && isDirty { flush() }
    }

    // MARK: - Streamed responses

    /// The head is queued: later writes come straight here; the ones made before go out now.
    private func startStreaming(_ stream: ResponseStream) {
        self.stream = stream
        let (early, finished) = stream.attach(self, queuedBytesMax: owner.environment.limits.streamBufferBytesMax)
        if !early.isEmpty { perform(early.withUnsafeBytes { machine.streamBytes($0, now: loop.now) }) }
        // Finished already, or the drain began while the responder worked: it ends at once.
        if finished || owner.environment.draining { endStream() }
    }

    func streamWrite(_ bytes: [UInt8]) {
        if loop.inEventLoop {
            writeStreamed(bytes)
        } else {
            loop.execute { self.writeStreamed(bytes) }
        }
    }

    func streamFinish() {
        if loop.inEventLoop {
            endStream()
        } else {
            loop.execute { self.endStream() }
        }
    }

    func streamOverflowed() {
        if loop.inEventLoop {
            close()
        } else {
            loop.execute { self.close() }
        }
    }

    private func writeStreamed(_ bytes: [UInt8]) {
        stream?.taken(bytes.count)
        guard machine.isStreaming else { return }
        perform(bytes.withUnsafeBytes { machine.streamBytes($0, now: loop.now) })
        if isDirty { flush() }
    }

    /// Ends the stream being sent (its producer finished, or the server drains): the last chunk.
    func endStream() {
        guard machine.isStreaming else { return }
        let ended = stream
        stream = nil
        perform(machine.streamFinished(now: loop.now))
        ended?.serverClosed()
        if isDirty { flush() }
    }

    /// Whether a streamed response is being sent.
    var isStreaming: Bool { machine.isStreaming }

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
        guard !machine.isClosed else { return }
        machine.outputQueued = false
        while machine.hasPendingOutput {
            let written = machine.withPendingOutput { pending in
                send(fd, pending.baseAddress!, pending.count, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                machine.wrote(written)
                continue
            }
            if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                machine.writeBlocked(now: loop.now)
                settle()
                return
            }
            if written < 0 && errno == EINTR { continue }
            close()
            return
        }
        perform(machine.outputDrained(now: loop.now))
    }

    // MARK: - Deadlines and closing

    /// Gives the machine its timer event once its deadline has passed; called on every tick.
    func checkDeadlines(now: LoopInstant) {
        guard let deadline = machine.deadline, now >= deadline else { return }
        perform(machine.timerFired(now: now))
        if isDirty { flush() }  // a 408 goes out in this iteration
    }

    /// Closes the socket now and forgets the connection.
    func close() {
        guard machine.close() else { return }
        loop.deregister(fd)
        Glibc.close(fd)
        owner.connectionClosed(self)
        if let ended = stream {
            stream = nil
            ended.serverClosed()
        }
    }
}
