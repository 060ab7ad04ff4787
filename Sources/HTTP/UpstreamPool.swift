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
    /// Connections with a request on them, for deadline checks; each knows its index here, so
    /// joining and leaving cost no hashing on the proxy's hot path.
    private var active: [UpstreamConnection] = []
    /// Requests waiting for the upstream's name to resolve (``HostResolver``), kept here so that
    /// their deadlines fire while a lookup hangs; one whose address came leaves at the next tick.
    /// Bounded by ``HostResolver/waitersPerHostMax``.
    private var awaitingAddress: [UpstreamJob] = []

    /// One read buffer shared by this loop's connections to the upstream.
    let scratch: UnsafeMutableRawBufferPointer
    /// What each connection's response parser enforces (``HTTPClient/Configuration/responseHeaderBytesMax``).
    let responseLimits: HTTPLimits

    private var tickHook: Int?

    init(loop: EventLoop, configuration: HTTPClient.Configuration) {
        self.loop = loop
        self.configuration = configuration
        var limits = HTTPLimits()
        limits.headerBytesMax = configuration.responseHeaderBytesMax
        responseLimits = limits
        scratch = .allocate(byteCount: limits.readBufferBytes, alignment: 16)
    }

    deinit { scratch.deallocate() }

    func start() {
        let tick = max(Duration.milliseconds(5), min(.milliseconds(100), configuration.timeout / 10))
        // Strong, not weak: a client (and its pools) can go away while the loop lives on (tests make
        // and drop clients), so `closeAll` cancels the hook; a weak capture would slow every retain
        // of the pool, which its connections do per request.
        tickHook = loop.onTick(every: tick) { [self] in checkDeadlines() }
    }

    /// Closes every connection (failing a request still on one) and stops the deadline checks;
    /// the owning client is gone.
    func closeAll() {
        if let tickHook { loop.cancelTick(tickHook) }
        tickHook = nil
        for connection in idle + active { connection.close() }
        idle.removeAll()
        active.removeAll()
        for job in awaitingAddress where job.awaitingAddress {
            job.awaitingAddress = false
            job.complete(.failure(.connectionFailed))
        }
        awaitingAddress.removeAll()
    }

    /// Holds `job` until ``addressResolved(for:_:)`` or its deadline.
    func awaitAddress(_ job: UpstreamJob) {
        job.awaitingAddress = true
        awaitingAddress.append(job)
    }

    /// The lookup `job` waited for has ended: send it, or fail it as a refused connection (502).
    func addressResolved(for job: UpstreamJob, _ result: Result<SocketAddress, HTTPClientError>) {
        guard job.awaitingAddress else { return }  // its deadline came first: already answered
        job.awaitingAddress = false
        switch result {
        case .success(let address): submit(job, address: address)
        case .failure(let error): job.complete(.failure(error))
        }
    }

    /// Runs `job` on an idle connection, or a new one.
    func submit(_ job: UpstreamJob, address: SocketAddress) {
        while let connection = idle.popLast() {
            if connection.isUsable {
                activate(connection)
                connection.run(job, reused: true)
                return
            }
            connection.close()
        }
        open(job, address: address)
    }

    /// A reused connection died before any response byte: try once more on a new connection.
    func retry(_ job: UpstreamJob, address: SocketAddress) {
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
        activate(connection)
        connection.run(job, reused: false)
    }

    /// A connection finished its request and may be reused.
    func release(_ connection: UpstreamConnection) {
        deactivate(connection)
        if idle.count < configuration.idleConnectionsMax {
            idle.append(connection)
        } else {
            connection.close()
        }
    }

    /// A connection closed (by either side).
    func forget(_ connection: UpstreamConnection) {
        deactivate(connection)
        idle.removeAll { $0 === connection }
    }

    private func activate(_ connection: UpstreamConnection) {
        guard connection.activeIndex < 0 else { return }
        connection.activeIndex = active.count
        active.append(connection)
    }

    private func deactivate(_ connection: UpstreamConnection) {
        let index = connection.activeIndex
        guard index >= 0 else { return }
        let last = active.removeLast()
        if last !== connection {
            active[index] = last
            last.activeIndex = index
        }
        connection.activeIndex = -1
    }

    private func checkDeadlines() {
        let now = loop.now
        for connection in active { connection.checkDeadline(now: now) }
        if !awaitingAddress.isEmpty {
            awaitingAddress.removeAll { job in
                guard job.awaitingAddress else { return true }
                guard now >= job.deadline else { return false }
                job.awaitingAddress = false
                job.complete(.failure(.connectTimedOut))
                return true
            }
        }
        let expiry = now - configuration.idleTimeout
        while let oldest = idle.first, oldest.idleSince < expiry {
            idle.removeFirst()
            oldest.close()
        }
    }
}
