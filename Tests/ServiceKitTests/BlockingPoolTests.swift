import Foundation
import ServiceKit
import Synchronization
import Testing

/// The scrypt pool's admission control (issue 22, item 9): bounded lines, an expected-wait bound,
/// real users' jobs first, and jobs nobody waits for any more dropped before they start.
@Suite struct BlockingPoolTests {
    /// Holds the pool's only thread until `release()`.
    final class Gate: Sendable {
        let started = DispatchSemaphore(value: 0)
        let open = DispatchSemaphore(value: 0)
        func hold() { started.signal(); open.wait() }
        func release() { open.signal() }
    }

    /// The labels of the jobs that ran, in order.
    final class Order: Sendable {
        private let list = Mutex<[String]>([])
        var labels: [String] { list.withLock { $0 } }
        func append(_ label: String) { list.withLock { $0.append(label) } }
    }

    /// The pool's clock for how long a job waited, moved by hand.
    final class ManualClock: Sendable {
        private let offset = Mutex(Duration.zero)
        private let start = ContinuousClock.now
        func advance(_ by: Duration) { offset.withLock { $0 += by } }
        var function: @Sendable () -> ContinuousClock.Instant { { [self] in start + offset.withLock { $0 } } }
    }

    /// A one-thread pool whose thread is busy with a held job; the held job's task.
    /// Waits for the held job to start on a GCD thread: a semaphore waited on in the test's own task
    /// blocks a cooperative thread, and two such tests at once (2 cores) left none to start the job.
    static func busyPool(_ limits: BlockingPool.Limits, typicalJob: Duration, clock: ManualClock = ManualClock()) async
        -> (BlockingPool, Gate, Task<Void, any Error>) {
        let pool = BlockingPool(threads: 1, limits: limits, typicalJob: typicalJob, name: "test", now: clock.function)
        let gate = Gate()
        let held = Task { try await pool.run(.high) { gate.hold() } }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                gate.started.wait()
                continuation.resume()
            }
        }
        return (pool, gate, held)
    }

    struct NotQueued: Error {}

    /// Queues a job that appends `label` to `order` when it runs, and waits until it is in the busy
    /// pool's line, so that the next one queues behind it; the job's task.
    static func queue(_ pool: BlockingPool, _ priority: BlockingPool.Priority, _ label: String,
                      _ order: Order) async throws -> Task<Void, any Error> {
        let before = pool.queuedCount
        let task = submit(pool, priority, label, order)
        let deadline = ContinuousClock.now + .seconds(10)
        while pool.queuedCount == before {
            guard ContinuousClock.now < deadline else { throw NotQueued() }
            try await Task.sleep(for: .milliseconds(1))
        }
        return task
    }

    /// Submits such a job without waiting (one that is refused never joins the line).
    static func submit(_ pool: BlockingPool, _ priority: BlockingPool.Priority, _ label: String,
                       _ order: Order) -> Task<Void, any Error> {
        Task { try await pool.run(priority) { order.append(label) } }
    }

    static func refusal(_ task: Task<Void, any Error>) async -> BlockingPool.Overloaded? {
        do {
            try await task.value
            return nil
        } catch {
            return error as? BlockingPool.Overloaded
        }
    }

    @Test func aFullLaneRefusesAndTheOtherLaneStillAdmits() async throws {
        let (pool, gate, held) = await Self.busyPool(.init(queueMax: 2, queueWaitMax: .seconds(60), jobExpiry: .seconds(60)), typicalJob: .microseconds(1))
        let order = Order()
        let low = [try await Self.queue(pool, .low, "low1", order), try await Self.queue(pool, .low, "low2", order)]
        let refused = Self.submit(pool, .low, "low3", order)
        #expect(await Self.refusal(refused) != nil, "a third low job is refused")
        let high = try await Self.queue(pool, .high, "high1", order)
        gate.release()
        try await held.value
        for task in low + [high] { try await task.value }
        #expect(order.labels == ["high1", "low1", "low2"], "high first, then low in order")
    }

    @Test func aJobIsRefusedWhenTheWaitAheadOfItIsTooLong() async throws {
        // Each job is estimated at 1 s: a third job in line would wait 2 s, over the 1.5 s bound.
        let (pool, gate, held) = await Self.busyPool(.init(queueMax: 100, queueWaitMax: .milliseconds(1500), jobExpiry: .seconds(60)), typicalJob: .seconds(1))
        let order = Order()
        let first = try await Self.queue(pool, .low, "a", order)
        let second = try await Self.queue(pool, .low, "b", order)
        let third = Self.submit(pool, .low, "c", order)
        let overloaded = await Self.refusal(third)
        #expect(overloaded?.retryAfterSeconds == 2, "\(String(describing: overloaded))")
        gate.release()
        try await held.value
        try await first.value
        try await second.value
        #expect(order.labels == ["a", "b"])
    }

    @Test func cancelledAndExpiredJobsAreDroppedBeforeTheyStart() async throws {
        let clock = ManualClock()
        let (pool, gate, held) = await Self.busyPool(.init(queueMax: 100, queueWaitMax: .milliseconds(100), jobExpiry: .milliseconds(200)),
                                                     typicalJob: .microseconds(1), clock: clock)
        let order = Order()
        let cancelled = try await Self.queue(pool, .high, "cancelled", order)
        cancelled.cancel()
        let expired = try await Self.queue(pool, .high, "expired", order)
        clock.advance(.milliseconds(201))  // past the 200 ms expiry
        gate.release()
        try await held.value
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(await Self.refusal(expired) != nil, "a job that waited too long is dropped with Overloaded")
        let fresh = Self.submit(pool, .high, "fresh", order)
        try await fresh.value
        #expect(order.labels == ["fresh"], "neither dropped job ran")
    }
}
