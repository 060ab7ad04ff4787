import Foundation
import Synchronization

/// A fixed set of threads for CPU-heavy or blocking work (scrypt), so that such work never runs
/// on an event loop and its concurrency (and so its memory) is bounded: extra jobs wait in line.
public final class BlockingPool: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var head = 0
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let queueLimit: Int

    /// Starts `threads` workers; at most `queueLimit` jobs may wait.
    public init(threads: Int, queueLimit: Int = 1024, name: String = "blocking") {
        self.queueLimit = queueLimit
        for index in 0..<threads {
            let thread = Thread { [self] in worker() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// The pool is full: too much work is already waiting.
    public struct Overloaded: Error {}

    /// Runs `body` on a pool thread and returns its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = state.withLock { state -> Bool in
                guard state.jobs.count - state.head < queueLimit else { return false }
                state.jobs.append { continuation.resume(with: Result { try body() }) }
                return true
            }
            if accepted {
                available.signal()
            } else {
                continuation.resume(throwing: Overloaded())
            }
        }
    }

    private func worker() {
        while true {
            available.wait()
            let job = state.withLock { state -> (@Sendable () -> Void)? in
                guard state.head < state.jobs.count else { return nil }
                let job = state.jobs[state.head]
                state.head += 1
                if state.head > 256 && state.head * 2 > state.jobs.count {
                    state.jobs.removeFirst(state.head)
                    state.head = 0
                }
                return job
            }
            job?()
        }
    }
}
