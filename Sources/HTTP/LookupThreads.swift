#if canImport(Glibc)
import Glibc
#endif
import Sockets
import Synchronization

/// A few threads that run blocking work (name lookups) taken from a bounded FIFO queue, so that
/// nothing blocking ever runs on an event loop. The threads start with the first job: a process
/// whose upstreams are numeric never has them.
final class LookupThreads: Sendable {
    private struct State {
        var queue: [@Sendable () -> Void] = []
        var head = 0
        var started = 0
    }

    private let state = Mutex(State())
    /// Counts queued jobs; the threads wait on it. Allocated once, never freed (the pool lives as
    /// long as the process; its threads may still be waiting on it at exit).
    private nonisolated(unsafe) let available: UnsafeMutablePointer<sem_t>
    private let threadsMax: Int
    private let queuedMax: Int
    private let name: String

    /// - Parameters:
    ///   - threads: how many lookups may block at once.
    ///   - queuedMax: jobs waiting for a thread; past it ``submit(_:)`` refuses.
    init(threads: Int, queuedMax: Int, name: String) {
        precondition(threads > 0 && queuedMax > 0)
        threadsMax = threads
        self.queuedMax = queuedMax
        self.name = name
        available = .allocate(capacity: 1)
        sem_init(available, 0, 0)
    }

    /// Queues `job`; `false` (and nothing queued) when the queue is full.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let startThread = state.withLock { state -> Bool? in
            guard state.queue.count - state.head < queuedMax else { return nil }
            state.queue.append(job)
            guard state.started < threadsMax else { return false }
            state.started += 1
            return true
        }
        guard let startThread else { return false }
        if startThread { spawn() }
        sem_post(available)
        return true
    }

    private func spawn() {
        NamedThread.start(name) { [self] in work() }
    }

    private func work() {
        while true {
            while sem_wait(available) != 0 {}  // EINTR: wait again
            let job = state.withLock { state -> (@Sendable () -> Void)? in
                guard state.head < state.queue.count else { return nil }
                let job = state.queue[state.head]
                state.head += 1
                if state.head == state.queue.count {
                    state.queue.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                return job
            }
            job?()
        }
    }
}
