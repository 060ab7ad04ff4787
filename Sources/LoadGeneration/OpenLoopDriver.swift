/// The open loop's pure core: which users are idle and when each one's next request is due. It does no
/// I/O and reads no clock, so a test drives it with made-up times (``OpenLoopSchedule`` says why the
/// due time, not the send time, starts each latency).
///
/// Bounded by the user count: one due time per user (a binary heap of the idle ones), one sequence
/// number per user, and nothing per request.
public struct OpenLoopDriver: Sendable {
    /// A request to send now.
    public struct Due: Sendable, Equatable {
        public let user: Int
        /// Its number in the user's sequence (from 0).
        public let sequence: Int
        /// When it was due: its latency starts here.
        public let dueTime: ContinuousClock.Instant
    }

    public let schedule: OpenLoopSchedule
    /// No request due at or after this is sent.
    public let end: ContinuousClock.Instant
    private var nextSequence: [Int]
    /// Idle users by due time, earliest first.
    private var idle: [(due: ContinuousClock.Instant, user: Int)] = []
    /// Users with a request out.
    public private(set) var busyCount = 0

    /// Every user idle, each with its first request due per `schedule`.
    public init(schedule: OpenLoopSchedule, end: ContinuousClock.Instant) {
        self.schedule = schedule
        self.end = end
        nextSequence = Array(repeating: 0, count: schedule.users)
        idle.reserveCapacity(schedule.users)
        // Due times grow with the user number: already a heap.
        for user in 0..<schedule.users { idle.append((schedule.dueTime(user: user, sequence: 0), user)) }
    }

    /// Every idle user's request due at or before `now` (and before ``end``), earliest first; those
    /// users are busy until ``finished(user:)``.
    public mutating func takeDue(at now: ContinuousClock.Instant, into due: inout [Due]) {
        while let first = idle.first, first.due <= now, first.due < end {
            popFirst()
            let sequence = nextSequence[first.user]
            nextSequence[first.user] = sequence + 1
            busyCount += 1
            due.append(Due(user: first.user, sequence: sequence, dueTime: first.due))
        }
    }

    /// The user's request finished: it is idle again, its next request due per the schedule (maybe
    /// already past).
    public mutating func finished(user: Int) {
        busyCount -= 1
        push((schedule.dueTime(user: user, sequence: nextSequence[user]), user))
    }

    /// When the earliest idle user's next request is due, if any is due before ``end``.
    public var nextDueTime: ContinuousClock.Instant? {
        idle.first.flatMap { $0.due < end ? $0.due : nil }
    }

    /// Requests the schedule had due before ``end`` that were never sent: the users were still busy
    /// with earlier ones. Not zero means the server (or this client) did not keep up with the rate.
    public var unsentCount: Int {
        (0..<schedule.users).reduce(0) { total, user in
            total + max(0, schedule.dueCount(user: user, before: end) - nextSequence[user])
        }
    }

    /// Requests sent so far.
    public var sentCount: Int { nextSequence.reduce(0, +) }

    private mutating func push(_ entry: (due: ContinuousClock.Instant, user: Int)) {
        idle.append(entry)
        var child = idle.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard idle[child].due < idle[parent].due else { break }
            idle.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popFirst() {
        let last = idle.removeLast()
        guard !idle.isEmpty else { return }
        idle[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < idle.count && idle[left].due < idle[smallest].due { smallest = left }
            if right < idle.count && idle[right].due < idle[smallest].due { smallest = right }
            guard smallest != parent else { return }
            idle.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
