#if canImport(Glibc)
import Glibc
#endif
import Sockets
import Synchronization

/// The HTTP/1.1 server: one listening socket shared by a group of event loops, each serving its
/// own connections. Responders run on the loop that read the request (see ``EventLoop`` and
/// ``HTTPResponder``); anything blocking must be awaited elsewhere.
public final class HTTPServer: Sendable {
    /// Answers one request. Errors are the responder's business: it always returns a response.
    public typealias Responder = @Sendable (HTTPRequest) async -> HTTPResponse

    /// Where and how to serve.
    public struct Configuration: Sendable {
        /// Numeric listen address (`0.0.0.0`, `127.0.0.1`, `::`).
        public var host: String
        /// Listen port; 0 lets the kernel choose (tests).
        public var port: Int
        /// Event loops (threads); by default one per CPU this process may use (``AvailableCPUs``).
        public var loopCount: Int
        /// Pending-connection queue: large enough to absorb a burst of connects (the kernel caps
        /// it at `net.core.somaxconn`).
        public var backlog: Int32 = 4096
        /// Sizes and timeouts.
        public var limits: HTTPLimits

        /// A configuration with the contract's limits and one loop per CPU this process may use.
        public init(host: String = "0.0.0.0", port: Int, loopCount: Int? = nil, limits: HTTPLimits = HTTPLimits()) {
            self.host = host
            self.port = port
            self.loopCount = loopCount ?? AvailableCPUs.current()
            self.limits = limits
        }
    }

    /// The port actually bound.
    public let port: Int
    /// Called (on a loop thread) for every request the server answers itself, to log and count it.
    let rejectionHook: (@Sendable (HTTPRejection) -> Void)?
    private let group: EventLoopGroup
    private let listenerFD: Int32
    private let loops: Mutex<[ServerLoop]> = Mutex([])
    /// Open connections, in total and per client (`MAX_CONNECTIONS`, `MAX_CONNECTIONS_PER_PEER`).
    let admission: ConnectionAdmission
    /// Request-body bytes held by all connections (`MAX_BUFFERED_BODY_BYTES`).
    let bodyBudget: BodyBudget
    /// The drain and the stop, each started once; every caller awaits the same one (a second
    /// caller returning early would free the loops' state while the first still drains).
    private let draining = Mutex<Task<Void, Never>?>(nil)
    private let stopping = Mutex<Task<Void, Never>?>(nil)
    private let drainTimeout: Duration

    /// Binds the listening socket and starts serving at once. Throws if the address is taken.
    /// - Parameter group: loops to serve on; by default the server makes its own. Sharing them with
    ///   an ``HTTPClient`` keeps a handler's upstream calls on the handler's own thread.
    public convenience init(configuration: Configuration, group: EventLoopGroup? = nil,
                onRejection: (@Sendable (HTTPRejection) -> Void)? = nil,
                responder: @escaping Responder) throws {
        try self.init(configuration: configuration, group: group, onRejection: onRejection,
                      responder: AsyncResponder(responder))
    }

    /// Binds the listening socket and starts serving at once, answering through `responder`.
    public init(configuration: Configuration, group: EventLoopGroup? = nil,
                onRejection: (@Sendable (HTTPRejection) -> Void)? = nil,
                responder: any HTTPResponder) throws {
        // A peer that resets while we write must not kill the process.
        signal(SIGPIPE, SIG_IGN)
        Socket.raiseOpenFileLimit()
        guard let address = SocketAddress(host: configuration.host, port: configuration.port) else {
            throw SocketError("address \(configuration.host):\(configuration.port)", code: EINVAL)
        }
        listenerFD = try Socket.listen(on: address, backlog: configuration.backlog, reusePort: false)
        port = (try? Socket.localAddress(listenerFD).port) ?? configuration.port
        rejectionHook = onRejection
        drainTimeout = configuration.limits.drainTimeout
        admission = ConnectionAdmission(totalMax: configuration.limits.connectionsMax,
                                        perPeerMax: configuration.limits.connectionsPerPeerMax)
        bodyBudget = BodyBudget(bytesMax: configuration.limits.bufferedBodyBytesMax,
                                smallBodyBytesMax: configuration.limits.smallBodyBytesMax)
        self.group = try group ?? EventLoopGroup(count: configuration.loopCount, name: "http")
        for loop in self.group.loops {
            let started = Mutex<Result<Void, any Error>?>(nil)
            let fd = listenerFD
            let limits = configuration.limits
            loop.execute { [self] in
                let serverLoop = ServerLoop(loop: loop, listenerFD: fd, server: self, limits: limits, responder: responder)
                do {
                    try serverLoop.start()
                    self.loops.withLock { $0.append(serverLoop) }
                    started.withLock { $0 = .success(()) }
                } catch {
                    started.withLock { $0 = .failure(error) }
                }
            }
            // Start-up is synchronous so that a bound server is a serving server.
            while true {
                if let result = started.withLock({ $0 }) {
                    try result.get()
                    break
                }
                usleep(200)
            }
        }
    }

    /// The event loops, for clients that want to share them (the gateway's upstream pool).
    public var eventLoops: EventLoopGroup { group }

    /// Connections currently open.
    public var connectionCount: Int { admission.count }

    /// Request-body bytes buffered now by all connections.
    public var bufferedBodyBytes: Int { bodyBudget.bytesHeld }

    /// Graceful shutdown: ``drain()``, then stop the loops. Safe to call more than once.
    public func shutdown() async {
        await drain()
        await Self.once(stopping) {
            await self.group.shutdown()
            // A loop still running past the group's bound may yet call its server loop's hooks,
            // which hold it unowned: those stay allocated.
            if self.group.loops.allSatisfy(\.isFinished) { self.loops.withLock { $0.removeAll() } }
        }
    }

    /// Runs `work` in the task `slot` holds, starting it on the first call; every call awaits it.
    private static func once(_ slot: borrowing Mutex<Task<Void, Never>?>, _ work: @escaping @Sendable () async -> Void) async {
        let task = slot.withLock { task in
            if let task { return task }
            let started = Task { await work() }
            task = started
            return started
        }
        await task.value
    }

    /// Stops serving: stop accepting, close idle connections, let requests in flight finish (their
    /// responses say `Connection: close`), then close whatever is left after the drain timeout.
    /// The loops keep running, so work still on them (an upstream request of the service's own,
    /// on a shared group) can end before ``shutdown()`` stops them. Safe to call more than once.
    public func drain() async {
        await Self.once(draining) { await self.drainOnce() }
    }

    private func drainOnce() async {
        let serverLoops = loops.withLock { $0 }
        let drained = Atomic<Int>(0)
        for serverLoop in serverLoops {
            serverLoop.loop.execute {
                serverLoop.beginDrain()
                drained.add(1, ordering: .relaxed)
            }
        }
        // Close the listener as soon as no loop watches it, so new connects are refused rather
        // than left in the backlog, unserved, until the drain ends.
        let deadline = ContinuousClock.now + drainTimeout
        while drained.load(ordering: .relaxed) < serverLoops.count && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
        close(listenerFD)
        while admission.count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for serverLoop in serverLoops { serverLoop.loop.execute { serverLoop.closeAll() } }
    }
}
