import Synchronization
import Testing
@testable import Sockets

@Suite("EventLoop")
struct EventLoopTests {
    /// What a tick hook produces (a 504 from an upstream deadline, a 408) must be flushed by the
    /// end-of-iteration hooks of the same iteration: run the other way round, it waited for the
    /// next wake-up, a whole tick on an idle loop.
    @Test("runs the end-of-iteration hooks after the tick hooks of the same iteration")
    func tickOutputIsFlushedInTheSameIteration() async throws {
        let loop = try EventLoop(name: "test-loop")
        loop.start()
        defer { loop.stop() }
        let delays = Mutex<[Duration]>([])
        loop.execute {
            var producedAt: ContinuousClock.Instant? = nil
            loop.onTick(every: .milliseconds(40)) { producedAt = .now }
            loop.onIterationEnd {
                guard let produced = producedAt else { return }
                producedAt = nil
                delays.withLock { $0.append(.now - produced) }
            }
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while delays.withLock({ $0.count }) < 5 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let seen = delays.withLock { $0 }
        #expect(seen.count >= 5)
        #expect(seen.allSatisfy { $0 < .milliseconds(20) }, "tick to flush: \(seen)")
    }
}
