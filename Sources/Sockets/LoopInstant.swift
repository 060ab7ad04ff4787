#if canImport(Glibc)
import Glibc
#endif

/// A reading of the monotonic clock that keeps running while the machine sleeps (the one
/// `ContinuousClock` reads on Linux, `CLOCK_BOOTTIME`), as nanoseconds since the clock's zero.
///
/// The event loop's `now`, and every deadline or start time kept per connection and per request,
/// are of this type rather than `ContinuousClock.Instant` because the standard library's instant
/// is not `@frozen`: its layout is unknown to our code, so every struct that held one (the
/// connection's state machine, the request context) had no fixed layout either, and each copy,
/// move and destroy of it went through runtime value-witness calls (bench/RESULTS.md, issue 24).
/// One `Int64` rather than a `Duration` (128-bit attoseconds): reading the clock and comparing
/// deadlines, several times per request, are then plain integer operations; it lasts 292 years.
public struct LoopInstant: Comparable, Hashable, Sendable {
    /// Nanoseconds since the clock's zero (boot).
    @usableFromInline
    var nanoseconds: Int64

    /// The reading `sinceZero` after the clock's zero (tests start a hand-moved clock anywhere).
    @inlinable
    public init(sinceZero: Duration) {
        nanoseconds = Self.nanoseconds(in: sinceZero)
    }

    @inlinable
    init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// Time since the clock's zero.
    @inlinable
    public var sinceZero: Duration { .nanoseconds(nanoseconds) }

    /// The clock now. A system call's worth (the vDSO): the loop reads it once per iteration.
    public static var now: LoopInstant {
        var spec = timespec()
        clock_gettime(CLOCK_BOOTTIME, &spec)
        return LoopInstant(nanoseconds: Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec))
    }

    /// `duration` in whole nanoseconds (truncated), saturating far beyond any deadline we set.
    @inlinable
    static func nanoseconds(in duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min / 2 : .max / 2 }
        return whole + attoseconds / 1_000_000_000
    }

    @inlinable
    public static func < (lhs: LoopInstant, rhs: LoopInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    @inlinable
    public static func + (lhs: LoopInstant, rhs: Duration) -> LoopInstant {
        LoopInstant(nanoseconds: lhs.nanoseconds &+ nanoseconds(in: rhs))
    }

    @inlinable
    public static func - (lhs: LoopInstant, rhs: Duration) -> LoopInstant {
        LoopInstant(nanoseconds: lhs.nanoseconds &- nanoseconds(in: rhs))
    }

    @inlinable
    public static func += (lhs: inout LoopInstant, rhs: Duration) {
        lhs = lhs + rhs
    }

    /// The time from `rhs` to `lhs`.
    @inlinable
    public static func - (lhs: LoopInstant, rhs: LoopInstant) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }
}
