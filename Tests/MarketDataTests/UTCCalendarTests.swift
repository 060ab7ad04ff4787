import Foundation
import Testing
@testable import MarketData

/// The integer calendar (days since 1970-01-01, proleptic Gregorian), checked against fixed dates
/// and against Foundation's Gregorian calendar in UTC as an independent oracle.
@Suite struct UTCCalendarTests {
    /// `(year, month, day, day number, weekday 0 = Monday, why)`.
    static let dates: [(Int64, Int64, Int64, Int64, Int64, String)] = [
        (1970, 1, 1, 0, 3, "the epoch, a Thursday"),
        (1969, 12, 31, -1, 2, "the day before the epoch"),
        (1970, 1, 5, 4, 0, "the first Monday"),
        (1970, 3, 1, 59, 6, "1970 is not a leap year: March 1 is day 59"),
        (1972, 2, 29, 789, 1, "a leap day"),
        (1972, 3, 1, 790, 2, "the day after a leap day"),
        (2000, 2, 29, 11_016, 1, "2000 is a leap year (divisible by 400)"),
        (2000, 3, 1, 11_017, 2, "after the 400-year leap day"),
        (1900, 3, 1, -25_508, 3, "1900 had no Feb 29 (divisible by 100)"),
        (1900, 2, 28, -25_509, 2, "... so Feb 28 is the day before March 1"),
        (2100, 3, 1, 47_541, 0, "2100 has no Feb 29 either"),
        (1990, 1, 1, 7_305, 0, "the simulated market's anchor, a Monday"),
        (2026, 11, 24, 20_781, 1, "a Tuesday of the API's examples"),
        (1600, 1, 1, -135_140, 5, "before the era boundary (negative era arithmetic)"),
        (9999, 12, 31, 2_932_896, 4, "the last four-digit date"),
    ]

    @Test(arguments: dates)
    func civilDatesAndDayNumbersAgree(_ year: Int64, _ month: Int64, _ day: Int64, _ number: Int64, _ weekday: Int64, _ why: String) {
        #expect(UTCCalendar.dayNumber(year: year, month: month, day: day) == number, "\(why)")
        #expect(UTCCalendar.civil(fromDay: number) == (year, month, day), "\(why)")
        #expect(UTCCalendar.weekday(ofDay: number) == weekday, "\(why)")
        #expect(UTCCalendar.isWeekday(number) == (weekday < 5), "\(why)")
    }

    /// Every day from 1890 to 2110 (leap rules of 1900, 2000 and 2100 included) against Foundation.
    @Test func everyDayMatchesFoundationsGregorianCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let first = UTCCalendar.dayNumber(year: 1890, month: 1, day: 1)
        let last = UTCCalendar.dayNumber(year: 2110, month: 12, day: 31)
        var previous = UTCCalendar.civil(fromDay: first - 1)
        for day in first...last {
            let date = Date(timeIntervalSince1970: TimeInterval(day * UTCCalendar.secondsPerDay))
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
            let civil = UTCCalendar.civil(fromDay: day)
            guard civil == (Int64(parts.year!), Int64(parts.month!), Int64(parts.day!)),
                  UTCCalendar.dayNumber(year: civil.year, month: civil.month, day: civil.day) == day,
                  // Foundation: 1 = Sunday ... 7 = Saturday; here 0 = Monday ... 6 = Sunday.
                  UTCCalendar.weekday(ofDay: day) == Int64((parts.weekday! + 5) % 7),
                  // Consecutive: the next day is the next date (no repeats at month or year ends).
                  civil > previous
            else {
                Issue.record("day \(day): \(civil) vs \(parts), after \(previous)")
                return
            }
            previous = civil
        }
    }

    /// A timestamp's day is `floor(seconds / 86,400)`: the last second of a day and the first of the next.
    @Test func dayBoundariesAreMidnightUTC() {
        let day = UTCCalendar.dayNumber(year: 2026, month: 11, day: 24)
        let midnight = day * UTCCalendar.secondsPerDay
        #expect((midnight - 1) / UTCCalendar.secondsPerDay == day - 1)
        #expect(midnight / UTCCalendar.secondsPerDay == day)
        #expect((midnight + UTCCalendar.secondsPerDay - 1) / UTCCalendar.secondsPerDay == day)
        #expect(UTCCalendar.isoDate(ofDay: (midnight - 1) / UTCCalendar.secondsPerDay) == "2026-11-23")
        #expect(UTCCalendar.isoDate(ofDay: midnight / UTCCalendar.secondsPerDay) == "2026-11-24")
    }

    @Test func isoDatesArePaddedToFixedWidth() {
        #expect(UTCCalendar.isoDate(ofDay: 0) == "1970-01-01")
        #expect(UTCCalendar.isoDate(ofDay: UTCCalendar.dayNumber(year: 5, month: 3, day: 9)) == "0005-03-09")
        #expect(UTCCalendar.isoDate(ofDay: UTCCalendar.dayNumber(year: 2026, month: 12, day: 31)) == "2026-12-31")
        #expect(UTCCalendar.isoDate(ofDay: UTCCalendar.dayNumber(year: 9999, month: 12, day: 31)) == "9999-12-31")
    }

    /// `(text, valid, why)`.
    static let isoTexts: [(String, Bool, String)] = [
        ("2026-11-24", true, "a plain date"),
        ("2024-02-29", true, "a leap day"),
        ("2000-02-29", true, "a 400-year leap day"),
        ("2026-02-29", false, "not a leap year"),
        ("1900-02-29", false, "a century that is not a leap year"),
        ("2026-02-30", false, "February has no 30th"),
        ("2026-04-31", false, "April has 30 days"),
        ("2026-12-31", true, "the last day of a year"),
        ("2026-13-01", false, "month 13"),
        ("2026-00-10", false, "month 0"),
        ("2026-01-00", false, "day 0"),
        ("2026-01-32", false, "day 32"),
        ("0000-01-01", true, "year 0 is a proleptic Gregorian year"),
        ("2026-1-01", false, "a one-digit month"),
        ("2026-01-1 ", false, "a trailing space"),
        ("2026/01/01", false, "slashes"),
        ("2026-01-01T00:00:00Z", false, "a timestamp is not a date"),
        ("+026-01-01", false, "a sign is not a digit"),
        ("2026-0a-01", false, "a letter"),
        ("\u{ff12}026-01-01", false, "a full-width digit (more than ten bytes)"),
        ("", false, "empty"),
    ]

    @Test(arguments: isoTexts)
    func isoDateValidation(_ text: String, _ valid: Bool, _ why: String) {
        #expect(UTCCalendar.isValidISODate(text) == valid, "\(why)")
    }

    @Test func everyDayOfFourHundredYearsFormatsToAValidDateThatParsesBack() {
        for day in UTCCalendar.dayNumber(year: 1800, month: 1, day: 1)..<UTCCalendar.dayNumber(year: 2200, month: 1, day: 1) {
            let text = UTCCalendar.isoDate(ofDay: day)
            let parts = text.split(separator: "-").map { Int64($0)! }
            guard UTCCalendar.isValidISODate(text), UTCCalendar.dayNumber(year: parts[0], month: parts[1], day: parts[2]) == day else {
                Issue.record("day \(day) formats as \(text)")
                return
            }
        }
    }
}
