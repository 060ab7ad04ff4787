import Foundation
import Synchronization

/// A fixed set of threads for CPU-heavy or blocking work (scrypt), so that such work never runs
/// on an event loop and its concurrency (and so its memory) is bounded, with admission control:
/// a job is admitted only while the wait it would have in line stays short (issue 22, item 9).
///
/// - Two lanes: `high` jobs always start before `low` ones (auth checks a real user's password in
///   `high`; the dummy hash of an unknown name and registration hashes are `low`), so a flood of
///   invented names cannot delay a real user's login.
/// - Admission: a job is refused with ``Overloaded`` when its lane already holds
///   ``Limits/queueMax`` jobs, or when the jobs ahead of it would take more than
///   ``Limits/queueWaitMax`` on the pool's threads (at the running average of a job's duration).
/// - A job is dropped before it starts when its task was cancelled, or when it has waited
///   ``Limits/jobExpiry``: by then its client has given up, and running it would only delay the
///   jobs behind it.
public final class BlockingPool: Sendable {
    /// Which line a job waits in.
    public enum Priority: Int, Sendable {
        case high = 0
        case low = 1
    }

    /// The admission bounds.
    public struct Limits: Sendable {
        /// Jobs that may wait in one lane.
        public var queueMax: Int
        /// The longest expected wait a job is admitted with.
        public var queueWaitMax: Duration
        /// A job that has waited this long is dropped instead of run (at least `queueWaitMax`).
        public var jobExpiry: Duration

        /// The bounds.
        public init(queueMax: Int, queueWaitMax: Duration, jobExpiry: Duration) {
            self.queueMax = queueMax
            self.queueWaitMax = queueWaitMax
            self.jobExpiry = max(jobExpiry, queueWaitMax)
        }
    }

    /// The job was refused or dropped: the pool is busy for about `retryAfterSeconds`.
    public struct Overloaded: Error, Sendable {
        /// Whole seconds after which the line should be shorter (at least 1).
        public let retryAfterSeconds: Int
    }

    private final class Job: Sendable {
        let enqueued: ContinuousClock.Instant
        let cancelled = Atomic<Bool>(false)
        /// Runs the work, or fails the caller with the error when given one.
        let finish: @Sendable ((any Error)?) -> Void

        init(enqueued: ContinuousClock.Instant, finish: @escaping @Sendable ((any Error)?) -> Void) {
            self.enqueued = enqueued
            self.finish = finish
        }
    }

    private struct Lane {
        var jobs: [Job] = []
        var head = 0
        var count: Int { jobs.count - head }

        mutating func popFirst() -> Job? {
            guard head < jobs.count else { return nil }
            let job = jobs[head]
            head += 1
            if head > 256 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }

    private struct State {
        var lanes = [Lane(), Lane()]
        /// Running average of a job's duration, in seconds.
        var averageSeconds: Double
    }

    private let state: Mutex<State>
    private let available = DispatchSemaphore(value: 0)
    private let threads: Int
    private let limits: Limits
    /// What a job's wait is measured with (tests give a clock they advance by hand).
    private let now: @Sendable () -> ContinuousClock.Instant

    /// Starts `threads` workers. `typicalJob` seeds the running average of a job's duration.
    public init(threads: Int, limits: Limits, typicalJob: Duration, name: String = "blocking",
                now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.threads = max(1, threads)
        self.limits = limits
        self.now = now
        state = Mutex(State(averageSeconds: Self.seconds(typicalJob)))
        for index in 0..<self.threads {
            let thread = Thread { [self] in worker() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Runs `body` on a pool thread and returns its result; throws ``Overloaded`` when the job is
    /// refused or dropped, `CancellationError` when the task was cancelled before the job started.
    public func run<T: Sendable>(_ priority: Priority = .high, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        let box = Mutex<Job?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let job = Job(enqueued: now()) { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(with: Result { try body() }) }
                }
                box.withLock { $0 = job }
                if let refusal = admit(job, priority) {
                    continuation.resume(throwing: refusal)
                } else {
                    available.signal()
                }
            }
        } onCancel: {
            box.withLock { $0?.cancelled.store(true, ordering: .relaxed) }
        }
    }

    /// Jobs waiting in both lanes (tests wait on it instead of sleeping).
    package var queuedCount: Int { state.withLock { $0.lanes[0].count + $0.lanes[1].count } }

    /// Queues `job`, or says why not.
    private func admit(_ job: Job, _ priority: Priority) -> Overloaded? {
        state.withLock { state in
            let ahead = priority == .high ? state.lanes[0].count : state.lanes[0].count + state.lanes[1].count
            let expectedWait = Double(ahead) * state.averageSeconds / Double(threads)
            guard state.lanes[priority.rawValue].count < limits.queueMax,
                  expectedWait <= Self.seconds(limits.queueWaitMax)
            else {
                return Overloaded(retryAfterSeconds: max(1, Int(expectedWait.rounded(.up))))
            }
            state.lanes[priority.rawValue].jobs.append(job)
            return nil
        }
    }

    private func worker() {
        let expiry = limits.jobExpiry
        while true {
            available.wait()
            let (job, retryAfter) = state.withLock { state -> (Job?, Int) in
                let job = state.lanes[0].popFirst() ?? state.lanes[1].popFirst()
                let backlog = Double(state.lanes[0].count + state.lanes[1].count) * state.averageSeconds / Double(threads)
                return (job, max(1, Int(backlog.rounded(.up))))
            }
            guard let job else { continue }
            if job.cancelled.load(ordering: .relaxed) {
                job.finish(CancellationError())
                continue
            }
            if now() - job.enqueued > expiry {
                job.finish(Overloaded(retryAfterSeconds: retryAfter))
                continue
            }
            let started = ContinuousClock.now
            job.finish(nil)
            let took = Self.seconds(ContinuousClock.now - started)
            // A moving average over about the last ten jobs: follows a change of load or cost quickly.
            state.withLock { $0.averageSeconds = $0.averageSeconds * 0.9 + took * 0.1 }
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
