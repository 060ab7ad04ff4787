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

    /// A one-thread pool whose thread is busy with a held job; the held job's task.
    /// Waits for the held job to start on a GCD thread: a semaphore waited on in the test's own task
    /// blocks a cooperative thread, and two such tests at once (2 cores) left none to start the job.
    static func busyPool(_ limits: BlockingPool.Limits, typicalJob: Duration) async
        -> (BlockingPool, Gate, Task<Void, any Error>) {
        let pool = BlockingPool(threads: 1, limits: limits, typicalJob: typicalJob, name: "test")
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

    /// Queues a job that appends `label` to `order` when it runs; the job's task.
    static func queue(_ pool: BlockingPool, _ priority: BlockingPool.Priority, _ label: String,
                      _ order: Order) async -> Task<Void, any Error> {
        let task = Task { try await pool.run(priority) { order.append(label) } }
        try? await Task.sleep(for: .milliseconds(20))  // queued before the next one
        return task
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
        let low = [await Self.queue(pool, .low, "low1", order), await Self.queue(pool, .low, "low2", order)]
        let refused = await Self.queue(pool, .low, "low3", order)
        #expect(await Self.refusal(refused) != nil, "a third low job is refused")
        let high = await Self.queue(pool, .high, "high1", order)
        gate.release()
        try await held.value
        for task in low + [high] { try await task.value }
        #expect(order.labels == ["high1", "low1", "low2"], "high first, then low in order")
    }

    @Test func aJobIsRefusedWhenTheWaitAheadOfItIsTooLong() async throws {
        // Each job is estimated at 1 s: a third job in line would wait 2 s, over the 1.5 s bound.
        let (pool, gate, held) = await Self.busyPool(.init(queueMax: 100, queueWaitMax: .milliseconds(1500), jobExpiry: .seconds(60)), typicalJob: .seconds(1))
        let order = Order()
        let first = await Self.queue(pool, .low, "a", order)
        let second = await Self.queue(pool, .low, "b", order)
        let third = await Self.queue(pool, .low, "c", order)
        let overloaded = await Self.refusal(third)
        #expect(overloaded?.retryAfterSeconds == 2, "\(String(describing: overloaded))")
        gate.release()
        try await held.value
        try await first.value
        try await second.value
        #expect(order.labels == ["a", "b"])
    }

    @Test func cancelledAndExpiredJobsAreDroppedBeforeTheyStart() async throws {
        let (pool, gate, held) = await Self.busyPool(.init(queueMax: 100, queueWaitMax: .milliseconds(100), jobExpiry: .milliseconds(200)), typicalJob: .microseconds(1))
        let order = Order()
        let cancelled = await Self.queue(pool, .high, "cancelled", order)
        cancelled.cancel()
        let expired = await Self.queue(pool, .high, "expired", order)
        try await Task.sleep(for: .milliseconds(300))  // more than the 200 ms expiry
        gate.release()
        try await held.value
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(await Self.refusal(expired) != nil, "a job that waited too long is dropped with Overloaded")
        let fresh = await Self.queue(pool, .high, "fresh", order)
        try await fresh.value
        #expect(order.labels == ["fresh"], "neither dropped job ran")
    }
}
