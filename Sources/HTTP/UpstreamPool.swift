import Sockets

#if canImport(Glibc)
import Glibc
#endif

/// One loop's keep-alive connections to one upstream. Confined to the loop's thread.
final class UpstreamPool: @unchecked Sendable {
    let loop: EventLoop
    let configuration: HTTPClient.Configuration
    /// Most recently used last: reusing the warmest connection first lets the others age out.
    private var idle: [UpstreamConnection] = []
    private var active: [ObjectIdentifier: UpstreamConnection] = [:]

    /// One read buffer shared by this loop's connections to the upstream.
    let scratch: UnsafeMutableRawBufferPointer

    init(loop: EventLoop, configuration: HTTPClient.Configuration) {
        self.loop = loop
        self.configuration = configuration
        scratch = .allocate(byteCount: 64 * 1024, alignment: 16)
    }

    deinit { scratch.deallocate() }

    func start() {
        let tick = max(Duration.milliseconds(5), min(.milliseconds(100), configuration.timeout / 10))
        // Weak: a client (and its pools) can go away while the loop lives on (tests make and
        // drop clients); the hook cannot be removed, so it must outlive the pool harmlessly.
        loop.onTick(every: tick) { [weak self] in self?.checkDeadlines() }
    }

    /// Closes every connection (failing a request still on one); the owning client is gone.
    func closeAll() {
        for connection in idle + Array(active.values) { connection.close() }
        idle.removeAll()
        active.removeAll()
    }

    /// Runs `job` on an idle connection, or a new one.
    func submit(_ job: UpstreamJob, address: SocketAddress) {
        while let connection = idle.popLast() {
            if connection.isUsable {
                active[ObjectIdentifier(connection)] = connection
                connection.run(job, reused: true)
                return
            }
            connection.close()
        }
        open(job, address: address)
    }

    /// A reused connection died before any response byte: try once more on a new connection.
    func retry(_ job: UpstreamJob, address: SocketAddress) {
        var job = job
        job.attempts += 1
        open(job, address: address)
    }

    private func open(_ job: UpstreamJob, address: SocketAddress) {
        let fd: Int32
        do {
            fd = try Socket.startConnect(to: address)
        } catch {
            job.complete(.failure(.connectFailed))
            return
        }
        let connection = UpstreamConnection(fd: fd, address: address, pool: self)
        do {
            try loop.register(fd, events: EventMask.writable | EventMask.readable | EventMask.peerClosed, handler: connection)
        } catch {
            close(fd)
            job.complete(.failure(.connectFailed))
            return
        }
        active[ObjectIdentifier(connection)] = connection
        connection.run(job, reused: false)
    }

    /// A connection finished its request and may be reused.
    func release(_ connection: UpstreamConnection) {
        active[ObjectIdentifier(connection)] = nil
        if idle.count < configuration.idleConnectionsMax {
            idle.append(connection)
        } else {
            connection.close()
        }
    }

    /// A connection closed (by either side).
    func forget(_ connection: UpstreamConnection) {
        active[ObjectIdentifier(connection)] = nil
        idle.removeAll { $0 === connection }
    }

    private func checkDeadlines() {
        let now = loop.now
        for connection in Array(active.values) { connection.checkDeadline(now: now) }
        let expiry = now - configuration.idleTimeout
        while let oldest = idle.first, oldest.idleSince < expiry {
            idle.removeFirst()
            oldest.close()
        }
    }
}
