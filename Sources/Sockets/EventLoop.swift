#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import CSockets

/// Something registered with an ``EventLoop`` for readiness events on one file descriptor.
/// Called on the loop's thread only.
public protocol EventHandler: AnyObject {
    /// `events` is the epoll mask (`EPOLLIN`, `EPOLLOUT`, `EPOLLHUP`, `EPOLLERR`, ...).
    func handleEvent(_ events: UInt32)
}

/// One thread, one epoll instance, one run queue.
///
/// The loop is also a `TaskExecutor`: a request handler started with
/// `Task(executorPreference: loop)` runs its synchronous stretches on this thread, so the common
/// request (parse, route, encode, write) never leaves the thread that read it. Blocking work
/// (SQLite, scrypt, libcurl) must be awaited on other executors, never done here.
///
/// Thread confinement: every member not marked otherwise is touched only on the loop thread; the
/// class is `@unchecked Sendable` because `execute(_:)` and `enqueue(_:)` are the only entry points
/// from other threads and they go through `remote`, a mutex.
public final class EventLoop: @unchecked Sendable {
    /// Queued work. `@unchecked`: closures from other threads arrive through `execute(_:)`, which
    /// takes only `@Sendable` ones; non-Sendable closures are queued by the loop thread itself.
    enum Work: @unchecked Sendable {
        case closure(() -> Void)
        case job(UnownedJob)
    }

    /// Readiness events taken per `epoll_wait`: a bound on the work of one iteration before the
    /// run queue, the ticks and the flush of batched writes get their turn. nginx's `epoll_events`
    /// defaults to the same 512 (`ngx_epoll_module.c`).
    public static let eventsPerWaitMax = 512

    private let epollFD: Int32
    private let wakeFD: Int32
    private var handlers: [EventHandler?] = []
    private var local: [Work] = []
    private var running: [Work] = []
    private let remote = Mutex<[Work]>([])
    /// Set (under `remote`'s lock) when `remote` holds work. The first thread to set it wakes the
    /// loop; the loop reads it instead of taking the lock on every iteration, most of which find
    /// nothing queued from other threads.
    private let remoteQueued = Atomic<Bool>(false)
    private var iterationEndHooks: [() -> Void] = []
    private var tickHooks: [(id: Int, hook: () -> Void)] = []
    private var lastTickHookID = 0
    private var tickInterval: Duration = .milliseconds(250)
    private var nextTick: LoopInstant
    private var stopRequested = false
    private let finished = Mutex<Bool>(false)

    /// The time read once per loop iteration; deadlines compare against it so that a busy
    /// iteration reads the clock once, not per connection.
    public private(set) var now: LoopInstant

    /// A short name for logs and thread names (`loop-0`).
    public let name: String

    /// Creates the loop's epoll instance; call ``start()`` to run it on its own thread.
    public init(name: String) throws {
        self.name = name
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError("epoll_create1") }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw SocketError("eventfd") }
        now = LoopInstant.now
        nextTick = now
        guard csockets_epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, EPOLLIN.rawValue) == 0 else {
            throw SocketError("epoll_ctl wake")
        }
    }

    deinit {
        close(epollFD)
        close(wakeFD)
    }

    // MARK: - Registration (loop thread only)

    /// Watches `fd` for `events` (an epoll mask) and reports them to `handler`.
    public func register(_ fd: Int32, events: UInt32, handler: EventHandler) throws {
        precondition(inEventLoop)
        if Int(fd) >= handlers.count {
            handlers.append(contentsOf: repeatElement(nil, count: max(Int(fd) + 1 - handlers.count, handlers.count)))
        }
        guard csockets_epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, events) == 0 else { throw SocketError("epoll_ctl add") }
        handlers[Int(fd)] = handler
    }

    /// Changes the events watched on a registered `fd`.
    public func modify(_ fd: Int32, events: UInt32) {
        _ = csockets_epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, events)
    }

    /// Stops watching `fd`. The caller still owns and closes it.
    public func deregister(_ fd: Int32) {
        _ = csockets_epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, 0)
        if Int(fd) < handlers.count { handlers[Int(fd)] = nil }
    }

    /// Runs `hook` at the end of every iteration, after the run queue is drained and the tick
    /// hooks ran: the place to flush batched writes, so pipelined responses leave in one `write`.
    public func onIterationEnd(_ hook: @escaping () -> Void) {
        iterationEndHooks.append(hook)
    }

    /// Runs `hook` about every `interval` (the smallest interval asked for wins): deadline scans.
    /// Returns what ``cancelTick(_:)`` takes, for an owner that goes away before the loop does: it
    /// can then hold itself strongly in `hook` instead of weakly (a weak reference gives the object
    /// a side table, which makes every retain and release of it slower).
    @discardableResult
    public func onTick(every interval: Duration, _ hook: @escaping () -> Void) -> Int {
        tickInterval = min(tickInterval, interval)
        lastTickHookID += 1
        tickHooks.append((lastTickHookID, hook))
        return lastTickHookID
    }

    /// Stops running a hook added by ``onTick(every:_:)``, and lets go of it.
    public func cancelTick(_ id: Int) {
        tickHooks.removeAll { $0.id == id }
    }

    // MARK: - Scheduling (any thread)

    /// Whether the caller runs on this loop's thread.
    public var inEventLoop: Bool {
        pthread_getspecific(EventLoop.currentKey) == Unmanaged.passUnretained(self).toOpaque()
    }

    /// The loop whose thread is running the caller, if any.
    public static var current: EventLoop? {
        guard let raw = pthread_getspecific(currentKey) else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Runs `work` on the loop thread, after the current event has been handled.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        schedule(.closure(work))
    }

    private func schedule(_ work: Work) {
        if inEventLoop {
            local.append(work)
            return
        }
        let mustWake = remote.withLock { queue in
            queue.append(work)
            return !remoteQueued.exchange(true, ordering: .releasing)
        }
        if mustWake {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    // MARK: - Running

    /// Starts the loop on a new thread.
    public func start() {
        NamedThread.start(name) { [self] in run() }
    }

    /// Asks the loop to finish its current iteration and exit its thread.
    public func stop() {
        execute { [self] in stopRequested = true }
    }

    /// Whether the loop's thread has exited.
    public var isFinished: Bool { finished.withLock { $0 } }

    private func run() {
        pthread_setspecific(EventLoop.currentKey, Unmanaged.passUnretained(self).toOpaque())
        var events = [epoll_event](repeating: epoll_event(), count: Self.eventsPerWaitMax)
        while !stopRequested {
            // `now` is this iteration's start, not the current time: the wait may end a little
            // after the tick is due, never before, and the clock is read once per iteration.
            let timeout = local.isEmpty ? max(0, milliseconds(until: nextTick)) : 0
            let count = epoll_wait(epollFD, &events, Int32(events.count), Int32(timeout))
            now = LoopInstant.now
            if count > 0 {
                for index in 0..<Int(count) {
                    let fd = csockets_event_fd(&events[index])
                    if fd == wakeFD {
                        var value: UInt64 = 0
                        _ = read(wakeFD, &value, 8)
                    } else if Int(fd) < handlers.count, let handler = handlers[Int(fd)] {
                        handler.handleEvent(csockets_event_mask(&events[index]))
                    }
                }
            }
            drainQueues()
            // Ticks before the end-of-iteration hooks: what a deadline check produces (a 504, a
            // 408) is flushed in this iteration, not after the next wake-up.
            if now >= nextTick {
                nextTick = now + tickInterval
                for (_, hook) in tickHooks { hook() }
            }
            for hook in iterationEndHooks { hook() }
        }
        drainQueues()
        handlers.removeAll()
        iterationEndHooks.removeAll()
        tickHooks.removeAll()
        pthread_setspecific(EventLoop.currentKey, nil)
        finished.withLock { $0 = true }
    }

    /// Runs queued work. Work queued while draining runs too, but only for a bounded number of
    /// rounds, so a task that keeps rescheduling itself cannot starve socket events.
    private func drainQueues() {
        if remoteQueued.load(ordering: .acquiring) {
            let remoteWork = remote.withLock { queue -> [Work] in
                remoteQueued.store(false, ordering: .relaxed)
                var taken: [Work] = []
                swap(&taken, &queue)
                return taken
            }
            local.append(contentsOf: remoteWork)
        }
        var rounds = 0
        while !local.isEmpty && rounds < 64 {
            swap(&local, &running)
            for work in running {
                switch work {
                case .closure(let body): body()
                case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
            running.removeAll(keepingCapacity: true)
            rounds += 1
        }
    }

    /// Whole milliseconds to `instant`, plus one (the wait may end late, never early). Every
    /// iteration asks: one 64-bit division when the wait is under 9 s (always, for a tick), where
    /// `components` divides 128-bit attoseconds (seen in profiles at one connection).
    private func milliseconds(until instant: LoopInstant) -> Int {
        let wait = instant - now
        if let attoseconds = Int64(exactly: wait.attoseconds) {
            return Int(attoseconds / 1_000_000_000_000_000) + 1
        }
        let (seconds, attoseconds) = wait.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000) + 1
    }

    private static let currentKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}

extension EventLoop: TaskExecutor {
    /// Runs a task's job on the loop thread (see the type's discussion).
    public func enqueue(_ job: consuming ExecutorJob) {
        schedule(.job(UnownedJob(job)))
    }
}
