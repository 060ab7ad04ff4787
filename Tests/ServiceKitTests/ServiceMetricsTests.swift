import CoreMetrics
import Foundation
import ServiceKit
import Synchronization
import Testing

/// The request metrics' own arithmetic: durations in nanoseconds, and the per-route series the
/// gateway keeps, as `/metrics` renders them.
struct ServiceMetricsTests {
    final class Recorded: TimerHandler, Sendable {
        let values = Mutex<[Int64]>([])
        func recordNanoseconds(_ duration: Int64) { values.withLock { $0.append(duration) } }
    }

    @Test func durationsAreRecordedInWholeNanosecondsShortAndLong() {
        let recorded = Recorded()
        let timer = CoreMetrics.Timer(label: "test_duration", dimensions: [], handler: recorded)
        let rows: [(Duration, Int64, String)] = [
            (.nanoseconds(999), 999, "under a microsecond"),
            (.microseconds(1500), 1_500_000, "a millisecond and a half"),
            (.nanoseconds(9_000_000_000), 9_000_000_000, "9 s: still the 64-bit path"),
            (.seconds(20) + .nanoseconds(7), 20_000_000_007, "beyond 2^63 attoseconds: the long path"),
            (.seconds(3600), 3_600_000_000_000, "an hour"),
        ]
        for (duration, _, _) in rows { timer.recordInterval(duration) }
        let values = recorded.values.withLock { $0 }
        #expect(values.count == rows.count)
        for (value, row) in zip(values, rows) { #expect(value == row.1, "\(row.2)") }
    }

    @Test func aRouteSeriesCountsEachMethodAndStatusInTheSharedRegistry() throws {
        let route = "/test-series-\(UInt32.random(in: 0 ... .max))"
        let series = ServiceMetrics.RouteSeries(route: route)
        for _ in 0..<3 { series.record(method: "GET", status: 200, duration: .microseconds(120)) }
        series.record(method: "GET", status: 502, duration: .milliseconds(3))
        series.record(method: "POST", status: 200, duration: .microseconds(80))
        // The same series through the general path: one counter, not two.
        ServiceMetrics.recordRequest(method: "GET", route: route, status: 200, duration: .microseconds(90))
        let text = String(decoding: ServiceMetrics.render().body, as: UTF8.self)
        func sample(_ name: String, _ labels: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix("\(name){\(labels)} ") }.map { String($0.split(separator: " ").last!) }
        }
        #expect(sample("http_requests_total", #"method="GET",route="\#(route)",status="200""#) == "4")
        #expect(sample("http_requests_total", #"method="GET",route="\#(route)",status="502""#) == "1")
        #expect(sample("http_requests_total", #"method="POST",route="\#(route)",status="200""#) == "1")
        // GET's histogram: five observations, four at or under 250 µs (120 x3, 90), none under 100 µs but the 90.
        #expect(sample("http_request_duration_seconds_count", #"method="GET",route="\#(route)""#) == "5")
        #expect(sample("http_request_duration_seconds_bucket", #"method="GET",route="\#(route)",le="0.0001""#) == "1")
        #expect(sample("http_request_duration_seconds_bucket", #"method="GET",route="\#(route)",le="0.00025""#) == "4")
        #expect(sample("http_request_duration_seconds_bucket", #"method="GET",route="\#(route)",le="0.005""#) == "5")
    }
}
