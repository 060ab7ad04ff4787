import Foundation

/// Runs each job on a new thread: blocking test I/O (`poll`, `recv`) then never holds one of the
/// few cooperative-pool threads that other tests and `HTTPServer.shutdown()` need, and, unlike a
/// bare `Thread`, the code still runs inside its task, so test expectations are attributed to
/// the right test.
final class RawThreadExecutor: TaskExecutor, Sendable {
    static let shared = RawThreadExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let thread = Thread { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// Runs blocking test I/O off the cooperative pool (see ``RawThreadExecutor``).
public func rawBlocking<T>(_ body: () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(RawThreadExecutor.shared) { try body() }
}

/// Milliseconds since `start`, for timing assertions.
public func rawElapsedMilliseconds(since start: ContinuousClock.Instant) -> Int {
    let (seconds, attoseconds) = (ContinuousClock.now - start).components
    return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
}
