import Foundation

/// Where the order engine reads the time: timestamps of orders and fills, and when `day` orders
/// expire. Injected, so tests move time by hand instead of sleeping.
protocol TradeClock: Sendable {
    func now() -> Date
}

/// The system's wall clock.
struct SystemClock: TradeClock {
    func now() -> Date { Date() }
}

/// The trading day's end, for `time_in_force: day`: the simulated market's days are UTC dates
/// (MarketData's `SimulatedMarket`), so a day order expires at the first 00:00 UTC after it was
/// placed. Weekends are not skipped: an order placed on a Saturday expires at Sunday 00:00 UTC.
enum TradingDayEnd {
    static let secondsPerDay: Int64 = 86_400

    /// Milliseconds since 1970 of the first 00:00 UTC strictly after `date`.
    static func after(_ date: Date) -> Int64 {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let day = seconds >= 0 ? seconds / secondsPerDay : (seconds - secondsPerDay + 1) / secondsPerDay
        return (day + 1) * secondsPerDay * 1000
    }
}
