/// When each request of an open-loop run is meant to start, whatever happened to the ones before it
/// (wrk2's model): the run's `rate` is split evenly over its users, user `u`'s `k`-th request is due at
/// `start + (u + k × users) / rate`, so together the users send one request every `1 / rate`.
///
/// A user sends one request at a time. When a response comes late, the user's next requests are
/// already due: they go out at once, one after another, and each one's latency is counted from when
/// it was *due*, not from when it could be sent. A stalled server therefore shows as the whole queue of
/// late requests, as users would feel it, not as the one slow sample a closed loop records
/// ("coordinated omission").
public struct OpenLoopSchedule: Sendable {
    /// When the timed part starts.
    public let start: ContinuousClock.Instant
    /// Requests per second over all users.
    public let rate: Double
    /// Users sharing the rate.
    public let users: Int

    public init(start: ContinuousClock.Instant, rate: Double, users: Int) {
        precondition(rate > 0 && users > 0)
        self.start = start
        self.rate = rate
        self.users = users
    }

    /// When user `user`'s request number `sequence` (from 0) is due.
    public func dueTime(user: Int, sequence: Int) -> ContinuousClock.Instant {
        let slot = Double(user) + Double(sequence) * Double(users)
        return start + .nanoseconds(Int64((slot * 1e9 / rate).rounded()))
    }

    /// How many of user `user`'s requests are due before `end` (its sequence numbers 0..<that).
    public func dueCount(user: Int, before end: ContinuousClock.Instant) -> Int {
        let span = Double((end - start).nanoseconds) / 1e9 * rate
        guard span > Double(user) else { return 0 }
        var count = Int(((span - Double(user)) / Double(users)).rounded(.up))
        // The division above is in floating point: settle the edge on the exact due times.
        while count > 0 && dueTime(user: user, sequence: count - 1) >= end { count -= 1 }
        while dueTime(user: user, sequence: count) < end { count += 1 }
        return count
    }
}

extension Duration {
    /// Whole nanoseconds (truncated), for arithmetic on instants.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Whole microseconds, never negative: a latency sample.
    var wholeMicroseconds: UInt64 {
        UInt64(max(0, nanoseconds / 1000))
    }
}
