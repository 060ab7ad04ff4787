import Synchronization
import Testing
import TestSupport
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
        #expect(await Eventually.holds { delays.withLock { $0.count } >= 5 })
        let seen = delays.withLock { $0 }
        #expect(seen.allSatisfy { $0 < .milliseconds(20) }, "tick to flush: \(seen)")
    }

    /// A pool of upstream connections holds itself strongly in its tick hook and cancels the hook
    /// when its client goes: the cancelled hook must stop running and let go of what it holds.
    @Test("a cancelled tick hook stops running and is released")
    func cancelledTickHookIsReleased() async throws {
        final class Probe: Sendable {
            let released = Atomic<Bool>(false)
            let ticks = Atomic<Int>(0)
            let hookID = Atomic<Int>(0)
            var wasReleased: Bool { released.load(ordering: .relaxed) }
            var tickCount: Int { ticks.load(ordering: .relaxed) }
        }
        final class Owner: Sendable {
            let probe: Probe
            init(probe: Probe) { self.probe = probe }
            deinit { probe.released.store(true, ordering: .relaxed) }
        }
        let loop = try EventLoop(name: "test-loop")
        loop.start()
        defer { loop.stop() }
        let probe = Probe()
        loop.execute {
            let owner = Owner(probe: probe)  // held by the hook alone
            probe.hookID.store(loop.onTick(every: .milliseconds(5)) {
                owner.probe.ticks.add(1, ordering: .relaxed)
            }, ordering: .relaxed)
        }
        #expect(await Eventually.holds { probe.tickCount >= 3 })
        #expect(!probe.wasReleased, "the hook holds its owner until cancelled")
        loop.execute { loop.cancelTick(probe.hookID.load(ordering: .relaxed)) }
        #expect(await Eventually.holds { probe.wasReleased }, "the cancelled hook was not let go")
        let afterCancel = probe.tickCount
        // Three ticks of a second hook of the same period, registered after the cancel: the
        // cancelled one had three chances to run (a fixed sleep counted time, not ticks).
        let witness = Probe()
        loop.execute { _ = loop.onTick(every: .milliseconds(5)) { witness.ticks.add(1, ordering: .relaxed) } }
        #expect(await Eventually.holds { witness.tickCount >= 3 })
        #expect(probe.tickCount == afterCancel, "the hook ran after it was cancelled")
    }
}
