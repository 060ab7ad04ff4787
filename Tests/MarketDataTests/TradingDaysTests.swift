import Testing
@testable import MarketData

/// The simulated market's trading days: Monday to Friday (UTC dates, no holidays), counted densely
/// from the 1990-01-01 anchor.
@Suite struct TradingDaysTests {
    static func day(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        UTCCalendar.dayNumber(year: year, month: month, day: day)
    }

    /// `(date, last trading day on or before it, why)`, in the week of Monday 2026-11-23.
    static let week: [((Int64, Int64, Int64), (Int64, Int64, Int64), String)] = [
        ((2026, 11, 23), (2026, 11, 23), "Monday is itself"),
        ((2026, 11, 25), (2026, 11, 25), "Wednesday is itself"),
        ((2026, 11, 27), (2026, 11, 27), "Friday is itself"),
        ((2026, 11, 28), (2026, 11, 27), "Saturday is Friday"),
        ((2026, 11, 29), (2026, 11, 27), "Sunday is Friday"),
        ((2026, 11, 30), (2026, 11, 30), "the next Monday is itself"),
        ((2028, 1, 2), (2027, 12, 31), "a Sunday whose Friday is in the previous year"),
    ]

    @Test(arguments: week)
    func lastTradingDayOnOrBefore(_ date: (Int64, Int64, Int64), _ expected: (Int64, Int64, Int64), _ why: String) {
        let got = TradingDays.lastTradingDay(onOrBefore: Self.day(date.0, date.1, date.2))
        #expect(got == Self.day(expected.0, expected.1, expected.2), "\(why)")
    }

    @Test func theAnchorIsOrdinalZeroAndAMonday() {
        #expect(TradingDays.anchorDay == Self.day(1990, 1, 1))
        #expect(UTCCalendar.weekday(ofDay: TradingDays.anchorDay) == 0)
        #expect(TradingDays.ordinal(ofTradingDay: TradingDays.anchorDay) == 0)
        #expect(TradingDays.day(ofOrdinal: 0) == TradingDays.anchorDay)
        #expect(TradingDays.limitDay == Self.day(2100, 1, 1))
    }

    /// Walking every day from the anchor to the limit: ordinals count weekdays only, one apart,
    /// Friday to Monday included, and map back to their day.
    @Test func ordinalsAreDenseOverWeekdaysAndMapBack() {
        var expected = 0
        for day in TradingDays.anchorDay..<TradingDays.limitDay {
            let weekday = UTCCalendar.isWeekday(day)
            let last = TradingDays.lastTradingDay(onOrBefore: day)
            guard weekday ? last == day : (last < day && day - last <= 2 && UTCCalendar.weekday(ofDay: last) == 4) else {
                Issue.record("day \(day): last trading day \(last)")
                return
            }
            guard weekday else { continue }
            let ordinal = TradingDays.ordinal(ofTradingDay: day)
            guard ordinal == expected, TradingDays.day(ofOrdinal: ordinal) == day else {
                Issue.record("day \(day) (\(UTCCalendar.isoDate(ofDay: day))): ordinal \(ordinal), expected \(expected)")
                return
            }
            expected += 1
        }
        #expect(expected > 28_000 && expected < 29_000, "about 28,700 trading days in 110 years: \(expected)")
    }
}
