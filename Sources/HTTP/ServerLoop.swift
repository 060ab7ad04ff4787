#if canImport(Glibc)
import Glibc
#endif
import Sockets

/// The server's state on one event loop: its share of the listening socket, its connections,
/// what they share (``ConnectionEnvironment``: limits, body budget, the cached `Date` line, the
/// drain flag), a read buffer shared by its connections, and the tick that gives each connection
/// its timer event. Confined to the loop's thread.
final class ServerLoop: EventHandler, @unchecked Sendable {
    let loop: EventLoop
    let responder: any HTTPResponder
    private let listenerFD: Int32
    private unowned let server: HTTPServer
    /// What this loop's connections read: limits, body budget, date line, drain flag.
    let environment: ConnectionEnvironment
    private var connections: [Int32: HTTPConnection] = [:]
    var dirty: [HTTPConnection] = []
    /// The batch ``flushDirty()`` is flushing; empty between calls.
    private var flushing: [HTTPConnection] = []
    private var accepting = false
    /// Out of descriptors, or at MAX_CONNECTIONS: the listener is off the loop until a connection
    /// closes or a tick passes. A level-triggered listener that stays readable while `accept` fails with EMFILE
    /// would wake the loop at once, forever: one core at 100% (tested: `ServerResourceLimitTests`).
    private var acceptPaused = false
    private var date = HTTPDate()
    /// One read buffer per loop: a connection copies out only the bytes it must keep.
    let scratch: UnsafeMutableRawBufferPointer

    init(loop: EventLoop, listenerFD: Int32, server: HTTPServer, limits: HTTPLimits, responder: any HTTPResponder) {
        self.loop = loop
        self.listenerFD = listenerFD
        self.server = server
        var date = HTTPDate()
        date.refresh()
        self.date = date
        environment = ConnectionEnvironment(limits: limits, bodyBudget: server.bodyBudget, dateLine: date.headerLine)
        self.responder = responder
        scratch = .allocate(byteCount: limits.readBufferBytes, alignment: 16)
    }

    deinit { scratch.deallocate() }

    /// Starts accepting on this loop (on the loop thread).
    func start() throws {
        refreshDate()
        // EPOLLEXCLUSIVE: one listening socket shared by every loop, and one wake-up per
        // connection instead of a thundering herd. (SO_REUSEPORT listeners would also spread
        // load, but would let a second copy of the service silently share the port.)
        try loop.register(listenerFD, events: EventMask.readable | EventMask.exclusive, handler: self)
        accepting = true
        loop.onIterationEnd { [unowned self] in flushDirty() }
        loop.onTick(every: environment.limits.tickInterval) { [unowned self] in tick() }
    }

    /// Accepts a bounded batch per wake-up so a connection storm cannot starve requests already
    /// in progress on this loop.
    func handleEvent(_ events: UInt32) {
        guard accepting else { return }
        for _ in 0..<environment.limits.acceptsPerWakeupMax {
            // MAX_CONNECTIONS reached: stop accepting, as nginx does past worker_connections.
            // Newcomers wait in the kernel's backlog; the listener comes back when one closes.
            guard server.admission.reservePlace() else {
                pauseAccepting()
                return
            }
            let accepted: (fd: Int32, peer: SocketAddress)?
            do {
                accepted = try Socket.accept(listenerFD)
            } catch {
                // EMFILE/ENFILE (or ENOBUFS/ENOMEM): the connection stays in the kernel's backlog.
                server.admission.cancelPlace()
                pauseAccepting()
                return
            }
            guard let (fd, peer) = accepted else {
                server.admission.cancelPlace()
                return
            }
            let host = peer.host
            // Past MAX_CONNECTIONS_PER_PEER: closed before a byte is read, so it costs nothing to refuse.
            guard server.admission.admit(peer: host) == .admitted else {
                close(fd)
                continue
            }
            try? Socket.setNoDelay(fd)
            let connection = HTTPConnection(fd: fd, peer: host, owner: self)
            do {
                try loop.register(fd, events: EventMask.readable | EventMask.peerClosed, handler: connection)
            } catch {
                close(fd)
                server.admission.release(peer: host)
                continue
            }
            connections[fd] = connection
        }
    }

    private func flushDirty() {
        // A flush can resume reading and answer pipelined requests on the spot, which marks the
        // connection dirty again: go round until nothing is left (bounded; what remains makes the
        // next iteration start without waiting).
        var rounds = 0
        while !dirty.isEmpty {
            guard rounds < 16 else {
                loop.execute {}
                return
            }
            rounds += 1
            // Swapped, not copied: `removeAll(keepingCapacity:)` on a shared buffer allocates a
            // new one, once per loop iteration (seen in the gateway's profile at one connection).
            swap(&dirty, &flushing)
            for connection in flushing where connection.isDirty { connection.flush() }
            flushing.removeAll(keepingCapacity: true)
        }
    }

    /// Takes the listener off the loop. EPOLLEXCLUSIVE cannot be changed with EPOLL_CTL_MOD, so
    /// pausing and resuming deregister and register it again.
    private func pauseAccepting() {
        guard accepting, !acceptPaused else { return }
        acceptPaused = true
        loop.deregister(listenerFD)
    }

    private func resumeAccepting() {
        guard accepting, acceptPaused, !server.admission.isFull else { return }
        acceptPaused = false
        do {
            try loop.register(listenerFD, events: EventMask.readable | EventMask.exclusive, handler: self)
        } catch {
            acceptPaused = true  // try again at the next tick or close
        }
    }

    private func tick() {
        resumeAccepting()
        refreshDate()
        let now = loop.now
        for connection in Array(connections.values) { connection.checkDeadlines(now: now) }
    }

    private func refreshDate() {
        date.refresh()
        environment.dateLine = date.headerLine
    }

    func connectionClosed(_ connection: HTTPConnection) {
        connections[connection.fd] = nil
        server.admission.release(peer: connection.peer)
        resumeAccepting()
    }

    func rejected(_ rejection: HTTPRejection) {
        server.rejectionHook?(rejection)
    }

    /// Stops accepting, closes idle connections, ends streamed responses, and lets requests in
    /// progress finish; the ones answered from now on say `Connection: close`.
    func beginDrain() {
        if accepting {
            accepting = false
            if !acceptPaused { loop.deregister(listenerFD) }
            acceptPaused = false
        }
        environment.draining = true
        for connection in Array(connections.values) where connection.isIdle { connection.close() }
        // A stream has no end to wait for: it ends now (its last chunk, then the close).
        for connection in Array(connections.values) where connection.isStreaming { connection.endStream() }
    }

    /// Closes every connection, finished or not: the drain period is over.
    func closeAll() {
        for connection in Array(connections.values) { connection.close() }
    }
}
