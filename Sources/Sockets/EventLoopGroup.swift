import Synchronization

/// A fixed set of event loops, one thread each; one per core by default.
public final class EventLoopGroup: Sendable {
    /// The loops, in creation order.
    public let loops: [EventLoop]
    private let nextIndex = Atomic<Int>(0)

    /// Creates and starts `count` loops.
    public init(count: Int, name: String = "loop") throws {
        precondition(count > 0)
        loops = try (0..<count).map { try EventLoop(name: "\(name)-\($0)") }
        loops.forEach { $0.start() }
    }

    /// The next loop, round-robin: for work that is not tied to a socket.
    public func next() -> EventLoop {
        if let current = EventLoop.current, loops.contains(where: { $0 === current }) { return current }
        let index = nextIndex.add(1, ordering: .relaxed).oldValue
        return loops[index % loops.count]
    }

    /// Stops every loop and waits (bounded) for their threads to exit.
    public func shutdown(timeout: Duration = .seconds(5)) async {
        loops.forEach { $0.stop() }
        let deadline = ContinuousClock.now + timeout
        while loops.contains(where: { !$0.isFinished }) && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
