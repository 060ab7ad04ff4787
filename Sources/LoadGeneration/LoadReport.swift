import Foundation

/// Everything a run measured and verified, as the JSON report (`--json`) writes it and the table and
/// the page are drawn from. Latencies are whole microseconds from each request's due time.
public struct LoadReport: Sendable, Codable {
    public struct Operation: Sendable, Codable {
        public var name: String
        public var count: UInt64
        public var errors: UInt64
        /// Count per outcome: an HTTP status, or `connect`, `timeout`, `broken`, `bad-response`, `unreadable`.
        public var outcomes: [String: UInt64]
        /// Order retries with the same `Idempotency-Key`.
        public var retries: UInt64
        public var p50Microseconds: UInt64
        public var p90Microseconds: UInt64
        public var p99Microseconds: UInt64
        public var p999Microseconds: UInt64
        public var maxMicroseconds: UInt64
        /// One point a second over the timed part (empty for the set-up's register and login).
        public var timeline: [OperationStats.Point]
    }

    public struct Verification: Sendable, Codable {
        public var passed: Bool
        public var usersChecked: Int
        public var ordersChecked: Int
        public var problemCount: Int
        public var problems: [String]
    }

    public var url: String
    public var users: Int
    public var targetRate: Double
    public var durationSeconds: Double
    public var mix: String
    public var seed: UInt64
    /// Requests of the timed part that completed, per second of its duration.
    public var achievedRate: Double
    /// Requests due before the end that were never sent (users were waiting on earlier ones).
    public var unsent: Int
    /// Register and login of the set-up phase (closed loop, not in the rate).
    public var setup: [Operation]
    public var operations: [Operation]
    public var verification: Verification?

    /// Whether the run had no errors (every request of the timed part a 2xx) and its verification
    /// passed. Requests left unsent do not fail it: they are the rate not held, which the achieved rate
    /// and `unsent` report (a stall just before the end leaves a few on any machine).
    public var passed: Bool {
        operations.allSatisfy { $0.errors == 0 } && verification?.passed != false
    }

    static func operation(_ stats: OperationStats, timeline: Bool) -> Operation {
        Operation(name: stats.operation.name, count: stats.count, errors: stats.errors, outcomes: stats.outcomes,
                  retries: stats.retries,
                  p50Microseconds: stats.latency.value(atPerHundredThousand: 50_000),
                  p90Microseconds: stats.latency.value(atPerHundredThousand: 90_000),
                  p99Microseconds: stats.latency.value(atPerHundredThousand: 99_000),
                  p999Microseconds: stats.latency.value(atPerHundredThousand: 99_900),
                  maxMicroseconds: stats.latency.maximum, timeline: timeline ? stats.points : [])
    }

    /// The JSON, keys sorted.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// The report as a table for stdout.
enum ReportTable {
    static func milliseconds(_ microseconds: UInt64) -> String {
        let whole = microseconds / 1000, fraction = microseconds % 1000
        return "\(whole)." + String(repeating: "0", count: fraction < 10 ? 2 : fraction < 100 ? 1 : 0) + "\(fraction)"
    }

    static func render(_ report: LoadReport) -> String {
        var lines: [String] = []
        lines.append("loadgen \(report.url): \(report.users) users, target \(format(report.targetRate)) req/s for \(format(report.durationSeconds)) s, mix \(report.mix), seed \(report.seed)")
        lines.append("achieved \(format(report.achievedRate)) req/s; unsent \(report.unsent); latency from each request's due time (ms)")
        lines.append(row(["operation", "count", "errors", "p50", "p90", "p99", "p99.9", "max", "outcomes"]))
        for operation in report.operations where operation.count > 0 { lines.append(line(operation)) }
        let setup = report.setup.filter { $0.count > 0 }
        if !setup.isEmpty {
            lines.append("set-up (closed loop, before the timed part):")
            for operation in setup { lines.append(line(operation)) }
        }
        if let verification = report.verification {
            lines.append(verification.passed
                ? "verification passed: \(verification.usersChecked) users, \(verification.ordersChecked) orders, cash and holdings exact to the cent, no order lost or doubled"
                : "verification FAILED: \(verification.problemCount) differences over \(verification.usersChecked) users")
            lines += verification.problems.map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    private static func line(_ operation: LoadReport.Operation) -> String {
        let outcomes = operation.outcomes.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: " ")
            + (operation.retries > 0 ? " retries:\(operation.retries)" : "")
        return row([operation.name, "\(operation.count)", "\(operation.errors)",
                    milliseconds(operation.p50Microseconds), milliseconds(operation.p90Microseconds),
                    milliseconds(operation.p99Microseconds), milliseconds(operation.p999Microseconds),
                    milliseconds(operation.maxMicroseconds), outcomes])
    }

    private static func row(_ cells: [String]) -> String {
        let widths = [10, 9, 7, 9, 9, 9, 9, 9]
        var text = ""
        for (index, cell) in cells.enumerated() {
            if index < widths.count {
                let pad = String(repeating: " ", count: max(0, widths[index] - cell.count))
                text += index == 0 ? cell + pad : pad + cell
                text += " "
            } else {
                text += " " + cell
            }
        }
        return text
    }

    static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
