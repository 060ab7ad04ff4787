import Foundation

/// One window of ``ProviderBudget``: the times of the last `limit` calls, oldest first, in a ring
/// that never holds more than `limit` entries.
struct CallWindow {
    let limit: Int
    let seconds: TimeInterval
    private var times: [Date] = []
    /// Index of the oldest entry once the ring is full.
    private var oldest = 0

    init(limit: Int, seconds: TimeInterval) {
        precondition(limit > 0)
        self.limit = limit
        self.seconds = seconds
    }

    /// Seconds until one more call fits (0 or less: it fits now).
    mutating func wait(at now: Date) -> TimeInterval {
        guard times.count == limit else { return 0 }
        if times[oldest] > now {
            // The wall clock stepped back: calls "in the future" are taken as made now, so the
            // wait never exceeds one window.
            for index in times.indices where times[index] > now { times[index] = now }
        }
        return times[oldest].addingTimeInterval(seconds).timeIntervalSince(now)
    }

    /// Records a call made at `now` (after `wait(at:)` said it fits), replacing the oldest when full.
    mutating func record(_ now: Date) {
        if times.count < limit {
            times.append(now)
        } else {
            times[oldest] = now
            oldest = (oldest + 1) % limit
        }
    }
}
