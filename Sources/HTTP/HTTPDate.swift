#if canImport(Glibc)
import Glibc
#endif

/// The IMF-fixdate for the `Date` header (RFC 9110 §5.6.7), formatted at most once a second per
/// event loop instead of once per response.
struct HTTPDate {
    private var second: time_t = 0
    private(set) var headerLine: [UInt8] = []

    /// Refreshes the cached line if the wall-clock second changed.
    mutating func refresh() {
        var now = time(nil)
        guard now != second || headerLine.isEmpty else { return }
        second = now
        var parts = tm()
        gmtime_r(&now, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text = "Date: \(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
        headerLine = Array(text.utf8)
    }
}
