import Dispatch
import Synchronization

/// One pending GET and the continuation that receives its outcome.
struct CurlJob: Sendable {
    let url: String
    /// Absolute deadline in `DispatchTime` uptime nanoseconds: time spent queued counts against the
    /// caller's timeout, so `timeoutMs` bounds the whole `get`, not only the transfer.
    let deadlineNanos: UInt64
    let continuation: CheckedContinuation<Result<CurlResponse, CurlError>, Never>

    func finish(_ result: Result<CurlResponse, CurlError>) { continuation.resume(returning: result) }
}

/// The bounded FIFO between callers and worker threads.
///
/// A counting semaphore tracks queued jobs (so idle workers block in the kernel, not spin) and a
/// `Mutex` guards the array; every `dequeue` first takes one semaphore count, so it always finds
/// either a job or the closed flag.
final class CurlJobQueue: Sendable {
    private struct State {
        // At most `capacity` (256) entries, so removeFirst's shifting costs nothing worth a ring buffer.
        var jobs: [CurlJob] = []
        var closed = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let capacity: Int
    private let workerCount: Int

    init(capacity: Int, workerCount: Int) {
        self.capacity = capacity
        self.workerCount = workerCount
    }

    /// Adds a job, or returns it back when the queue is full or closed so the caller can fail it
    /// outside the lock.
    func enqueue(_ job: CurlJob) -> CurlError? {
        let refusal: CurlError? = state.withLock { state in
            if state.closed { return .other(code: CurlError.shutDownCode, message: "client shut down") }
            if state.jobs.count >= capacity { return .other(code: CurlError.queueFullCode, message: "queue full") }
            state.jobs.append(job)
            return nil
        }
        if refusal == nil { available.signal() }
        return refusal
    }

    /// Blocks until a job is available; nil once the queue is closed and empty (the worker then exits).
    func dequeue() -> CurlJob? {
        available.wait()
        return state.withLock { state in state.jobs.isEmpty ? nil : state.jobs.removeFirst() }
    }

    /// Refuses new jobs, fails the queued ones and wakes every worker so it can exit.
    func close() {
        let drained: [CurlJob] = state.withLock { state in
            state.closed = true
            defer { state.jobs = [] }
            return state.jobs
        }
        for job in drained { job.finish(.failure(.other(code: CurlError.shutDownCode, message: "client shut down"))) }
        for _ in 0..<workerCount { available.signal() }
    }
}
