import Synchronization

/// A count that concurrent tasks and `@Sendable` closures can share (an `Atomic` itself cannot be
/// captured by them: it is a non-copyable `let`).
public final class Counter: Sendable {
    private let atomic = Atomic<Int>(0)

    public init() {}

    /// The count now.
    public var value: Int { atomic.load(ordering: .relaxed) }

    /// Adds one; the new count.
    @discardableResult
    public func increment() -> Int { atomic.add(1, ordering: .relaxed).newValue }
}
