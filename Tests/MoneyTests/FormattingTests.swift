import Testing
import Money

@Suite("Formatting")
struct FormattingTests {
    static let cents: [(input: Int64, expected: String, why: String)] = [
        (1_000_000, "10000.00", "always two decimals"),
        (5, "0.05", "leading zero and padded cents"),
        (50, "0.50", "trailing zero kept"),
        (100, "1.00", "whole amount"),
        (0, "0.00", "zero has no sign"),
        (-1234, "-12.34", "negative P/L"),
        (-5, "-0.05", "small loss keeps its sign"),
        (-100, "-1.00", "negative whole amount"),
        (Int64.max, "92233720368547758.07", "largest amount"),
        (Int64.min, "-92233720368547758.08", "magnitude formatting handles Int64.min"),
    ]

    @Test("Cents description", arguments: cents)
    func centsDescription(row: (input: Int64, expected: String, why: String)) {
        #expect(Cents(minorUnits: row.input).description == row.expected, "\(row.why)")
    }

    @Test("Cents description round-trips through canonical parsing", arguments: cents)
    func centsRoundTrip(row: (input: Int64, expected: String, why: String)) {
        let value = Cents(minorUnits: row.input)
        #expect(Cents(canonical: value.description) == value, "\(row.why)")
    }

    static let prices: [(input: Int64, expected: String, why: String)] = [
        (2_321_600, "232.16", "trailing zeros trimmed to two"),
        (1_250, "0.125", "third decimal kept"),
        (1, "0.0001", "all four decimals when needed"),
        (10, "0.001", "three decimals"),
        (12_345, "1.2345", "four significant decimals"),
        (50_000, "5.00", "never fewer than two decimals"),
        (0, "0.00", "zero"),
        (Int64.max, "922337203685477.5807", "largest price"),
    ]

    @Test("Price description", arguments: prices)
    func priceDescription(row: (input: Int64, expected: String, why: String)) {
        #expect(Price(minorUnits: row.input).description == row.expected, "\(row.why)")
    }

    @Test("Price description round-trips through strict parsing", arguments: prices)
    func priceRoundTrip(row: (input: Int64, expected: String, why: String)) {
        let value = Price(minorUnits: row.input)
        #expect(Price(parsing: value.description) == value, "\(row.why)")
    }

    @Test("Ordering and equality follow the amount")
    func ordering() {
        #expect(Cents(minorUnits: -1) < Cents.zero)
        #expect(Cents(parsing: "1.5") == Cents(parsing: "1.50"))
        #expect(Price(parsing: "0.125")! < Price(parsing: "0.13")!)
        #expect([Cents(minorUnits: 3), Cents(minorUnits: -2)].sorted().first == Cents(minorUnits: -2))
        #expect(Set([Price(parsing: "232.16")!, Price(parsing: "232.1600")!]).count == 1)
    }
}
