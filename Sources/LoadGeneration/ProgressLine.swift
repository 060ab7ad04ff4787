#if canImport(Glibc)
import Glibc
#endif

/// One line on stderr a second: seconds, requests per second in that second (and the target),
/// errors, users waiting for an answer, and the second's p99 over all operations. On a terminal the
/// line rewrites itself; otherwise each second is a line of its own.
struct ProgressLine {
    let rate: Double
    private let isTerminal = isatty(2) == 1

    init(rate: Double) {
        self.rate = rate
    }

    func print(second: Int, stats: [OperationStats], usersBusy: Int) {
        var count: UInt64 = 0, errors: UInt64 = 0, p99: UInt64 = 0
        for stat in stats {
            guard let point = stat.points.last, point.second == second else { continue }
            count += point.count
            errors += point.errors
            p99 = max(p99, point.p99Microseconds)
        }
        let line = "\(second)s  \(count) req/s (target \(Int(rate)))  errors \(errors)  waiting \(usersBusy)  p99 \(ReportTable.milliseconds(p99)) ms (slowest op)"
        write(isTerminal ? "\r\u{1B}[2K" + line : line + "\n")
    }

    func end() {
        if isTerminal { write("\n") }
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
