/// What one operation did over a run: latencies (a fixed-size histogram for the run and one for the
/// current second), outcomes by status, and one point per second for the charts.
public struct OperationStats: Sendable {
    /// One second of the run.
    public struct Point: Sendable, Codable, Equatable {
        /// Seconds since the timed part started (the second that ended here).
        public var second: Int
        public var count: UInt64
        public var errors: UInt64
        public var p50Microseconds: UInt64
        public var p90Microseconds: UInt64
        public var p99Microseconds: UInt64
        public var p999Microseconds: UInt64
        public var maxMicroseconds: UInt64
    }

    /// Outcome labels: an HTTP status (100-599) or a transport failure (`connect`, `timeout`,
    /// `broken`, `bad-response`, `unreadable`): at most 505 labels per operation.
    public static let outcomeLabelsMax = 505
    /// Points kept: the longest run plus the longest drain after it, one a second.
    public static let pointsMax = Int((LoadOptions.durationMax + .seconds(660)).components.seconds)

    public let operation: LoadOperation
    public private(set) var latency = LatencyHistogram()
    private var second = LatencyHistogram()
    private var secondErrors: UInt64 = 0
    /// Count per outcome label.
    public private(set) var outcomes: [String: UInt64] = [:]
    /// Order retries with the same `Idempotency-Key` after a failure whose outcome was unknown.
    public private(set) var retries: UInt64 = 0
    public private(set) var points: [Point] = []

    public init(operation: LoadOperation) {
        self.operation = operation
    }

    /// Every completed request.
    public var count: UInt64 { latency.count }

    /// Completed requests whose outcome was not a 2xx.
    public var errors: UInt64 {
        outcomes.reduce(0) { $0 + (($1.key.first == "2") ? 0 : $1.value) }
    }

    /// Counts one request that ended with `outcome` after `microseconds` from its due time.
    public mutating func record(outcome: String, microseconds: UInt64) {
        latency.record(microseconds)
        second.record(microseconds)
        if outcomes[outcome] != nil || outcomes.count < Self.outcomeLabelsMax {
            outcomes[outcome, default: 0] += 1
        }
        if outcome.first != "2" { secondErrors += 1 }
    }

    mutating func countRetry() {
        retries += 1
    }

    /// Closes the second that ends at `secondNumber`.
    mutating func closeSecond(_ secondNumber: Int) {
        if points.count < Self.pointsMax {
            points.append(Point(second: secondNumber, count: second.count, errors: secondErrors,
                                p50Microseconds: second.value(atPerHundredThousand: 50_000),
                                p90Microseconds: second.value(atPerHundredThousand: 90_000),
                                p99Microseconds: second.value(atPerHundredThousand: 99_000),
                                p999Microseconds: second.value(atPerHundredThousand: 99_900),
                                maxMicroseconds: second.maximum))
        }
        second.reset()
        secondErrors = 0
    }
}
