/// Proleptic Gregorian calendar arithmetic on day numbers (days since 1970-01-01, UTC), in integers.
///
/// Foundation's `Calendar`/`DateFormatter` would be slower, locale-sensitive and allocating; these are
/// the well-known civil-from-days / days-from-civil algorithms (H. Hinnant, "chrono-Compatible Low-Level
/// Date Algorithms").
enum UTCCalendar {
    static let secondsPerDay: Int64 = 86_400

    /// 0 = Monday ... 6 = Sunday. Day 0 (1970-01-01) was a Thursday.
    static func weekday(ofDay day: Int64) -> Int64 {
        let shifted = (day + 3) % 7
        return shifted < 0 ? shifted + 7 : shifted
    }

    static func isWeekday(_ day: Int64) -> Bool { weekday(ofDay: day) < 5 }

    /// Day number of a civil date; `month` 1...12, `day` 1...31.
    static func dayNumber(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `(year, month, day)` of a day number.
    static func civil(fromDay dayNumber: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `YYYY-MM-DD` for years 0...9999.
    static func isoDate(ofDay dayNumber: Int64) -> String {
        let (year, month, day) = civil(fromDay: dayNumber)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    /// True for exactly `DDDD-DD-DD` (ASCII digits) naming a real calendar date.
    static func isValidISODate(_ text: some StringProtocol) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), day >= 1
        else { return false }
        // Round-tripping through the day number rejects 02-30, 04-31 and friends.
        let roundTrip = civil(fromDay: dayNumber(year: year, month: month, day: day))
        return roundTrip == (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
