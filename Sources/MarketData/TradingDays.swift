/// The simulated market's trading days (Monday to Friday, UTC dates; no holidays) and their ordinals.
///
/// Ordinal 0 is the anchor, the first trading day of the walk; ordinals count trading days only, so
/// the memoized closes form a dense array.
enum TradingDays {
    /// 1990-01-01, a Monday. Far enough back that any history the service asks for (at most 100 days)
    /// lies after it; before it, time is clamped to it.
    static let anchorDay: Int64 = UTCCalendar.dayNumber(year: 1990, month: 1, day: 1)
    /// 2100-01-01: time is clamped below it, which bounds the memo at about 28,700 closes per symbol.
    static let limitDay: Int64 = UTCCalendar.dayNumber(year: 2100, month: 1, day: 1)

    /// The most recent trading day on or before `day` (Friday for a weekend).
    static func lastTradingDay(onOrBefore day: Int64) -> Int64 {
        let weekday = UTCCalendar.weekday(ofDay: day)
        return weekday < 5 ? day : day - (weekday - 4)
    }

    /// The ordinal of a trading day on or after the anchor.
    static func ordinal(ofTradingDay day: Int64) -> Int {
        let offset = day - anchorDay
        return Int(offset / 7 * 5 + offset % 7)
    }

    /// The day number of a trading-day ordinal.
    static func day(ofOrdinal ordinal: Int) -> Int64 {
        anchorDay + Int64(ordinal / 5 * 7 + ordinal % 5)
    }
}
