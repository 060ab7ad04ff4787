#if canImport(Glibc)
import Glibc
#endif

/// A reading of the monotonic clock that keeps running while the machine sleeps (the one
/// `ContinuousClock` reads on Linux, `CLOCK_BOOTTIME`), as a `Duration` since the clock's zero.
///
/// The event loop's `now`, and every deadline or start time kept per connection and per request,
/// are of this type rather than `ContinuousClock.Instant` because the standard library's instant
/// is not `@frozen`: its layout is unknown to our code, so every struct that held one (the
/// connection's state machine, the request context) had no fixed layout either, and each copy,
/// move and destroy of it went through runtime value-witness calls (bench/RESULTS.md, issue 24).
/// `Duration` is frozen, so this is two words and copying it is a plain move.
public struct LoopInstant: Comparable, Hashable, Sendable {
    /// Time since the clock's zero (boot).
    public var sinceZero: Duration

    /// The reading `sinceZero` after the clock's zero (tests start a hand-moved clock anywhere).
    @inlinable
    public init(sinceZero: Duration) {
        self.sinceZero = sinceZero
    }

    /// The clock now. A system call's worth (the vDSO): the loop reads it once per iteration.
    public static var now: LoopInstant {
        var spec = timespec()
        clock_gettime(CLOCK_BOOTTIME, &spec)
        return LoopInstant(sinceZero: Duration(secondsComponent: Int64(spec.tv_sec),
                                               attosecondsComponent: Int64(spec.tv_nsec) * 1_000_000_000))
    }

    @inlinable
    public static func < (lhs: LoopInstant, rhs: LoopInstant) -> Bool {
        lhs.sinceZero < rhs.sinceZero
    }

    @inlinable
    public static func + (lhs: LoopInstant, rhs: Duration) -> LoopInstant {
        LoopInstant(sinceZero: lhs.sinceZero + rhs)
    }

    @inlinable
    public static func - (lhs: LoopInstant, rhs: Duration) -> LoopInstant {
        LoopInstant(sinceZero: lhs.sinceZero - rhs)
    }

    @inlinable
    public static func += (lhs: inout LoopInstant, rhs: Duration) {
        lhs.sinceZero += rhs
    }

    /// The time from `rhs` to `lhs`.
    @inlinable
    public static func - (lhs: LoopInstant, rhs: LoopInstant) -> Duration {
        lhs.sinceZero - rhs.sinceZero
    }
}
