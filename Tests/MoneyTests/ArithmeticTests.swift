import Testing
@testable import Money

/// Every tie case is spelled out: half-even is the contract, and a float or half-up
/// implementation differs from it only on exactly these rows.
@Suite("Arithmetic and rounding")
struct ArithmeticTests {
    static let totals: [(price: String, quantity: Int64, expected: String, why: String)] = [
        ("0.125", 1, "0.12", "tie 12.5 cents goes to even 12"),
        ("0.135", 1, "0.14", "tie 13.5 cents goes to even 14"),
        ("1.005", 1, "1.00", "tie 100.5 cents goes to even 100"),
        ("2.675", 1, "2.68", "exact decimal tie to even; a Double would give 2.67"),
        ("0.0001", 1_000_000, "100.00", "sub-cent price times many shares is exact"),
        ("0.0050", 1, "0.00", "tie half a cent goes to even 0"),
        ("0.0150", 1, "0.02", "tie 1.5 cents goes to even 2"),
        ("0.0250", 1, "0.02", "tie 2.5 cents goes to even 2"),
        ("0.0350", 1, "0.04", "tie 3.5 cents goes to even 4"),
        ("232.1600", 3, "696.48", "plain multiplication, no rounding needed"),
        ("0.0001", 1, "0.00", "below half a cent rounds down"),
        ("0.0049", 1, "0.00", "just below the tie rounds down"),
        ("0.0051", 1, "0.01", "just above the tie rounds up"),
        ("0.125", -1, "-0.12", "negative tie on magnitude, sign kept"),
        ("0.135", -1, "-0.14", "negative tie on magnitude, sign kept"),
        ("0.0051", -1, "-0.01", "negative just above the tie"),
        ("5", 0, "0.00", "zero shares cost nothing"),
        ("1000000000.0000", 1_000_000, "1000000000000000.00",
         "10^13 units × 10^6 exceeds Int64 before dividing; full width keeps it exact"),
    ]

    @Test("Price.total(quantity:) rounds half-even to the cent", arguments: totals)
    func total(row: (price: String, quantity: Int64, expected: String, why: String)) throws {
        let price = try #require(Price(parsing: row.price))
        #expect(try price.total(quantity: row.quantity).description == row.expected, "\(row.why)")
        #expect(try price.times(row.quantity) == price.total(quantity: row.quantity))
    }

    static let proportions: [(amount: Int64, part: Int64, whole: Int64, expected: Int64, why: String)] = [
        (10_000, 1, 3, 3_333, "100.00 × 1/3 = 33.333… rounds down"),
        (10_000, 2, 3, 6_667, "100.00 × 2/3 = 66.666… rounds up"),
        (5, 1, 2, 2, "0.05 / 2 = 0.025 ties to even 0.02"),
        (15, 1, 2, 8, "0.15 / 2 = 0.075 ties to even 0.08"),
        (25, 1, 2, 12, "0.25 / 2 = 0.125 ties to even 0.12"),
        (35, 1, 2, 18, "0.35 / 2 = 0.175 ties to even 0.18"),
        (-125, 1, 10, -12, "-0.125 ties to -0.12 (half-even on magnitude)"),
        (-135, 1, 10, -14, "-0.135 ties to -0.14 (half-even on magnitude)"),
        (-5, 1, 2, -2, "-0.025 ties to -0.02"),
        (-15, 1, 2, -8, "-0.075 ties to -0.08"),
        (125, -1, 10, -12, "negative part gives the same magnitude"),
        (-125, 1, -10, 12, "two negatives give a positive result"),
        (10_000, 3, 3, 10_000, "selling everything removes the whole basis"),
        (0, 5, 7, 0, "zero basis stays zero"),
        (Int64.max / 2, 3, 4, 3_458_764_513_820_540_927,
         "(2^62-1)·3 exceeds Int64; exact value …927.25 rounds down"),
        (Int64.max, Int64.max, Int64.max, Int64.max, "2^126-sized intermediate is exact"),
        (Int64.min, 2, 2, Int64.min, "negative full-width intermediate -2^64"),
        (Int64.min, Int64.min, Int64.min, Int64.min, "positive 2^126 over a negative divisor"),
    ]

    @Test("Cents.proportion(_:of:) is exact then rounds half-even", arguments: proportions)
    func proportion(row: (amount: Int64, part: Int64, whole: Int64, expected: Int64, why: String)) throws {
        let result = try Cents(minorUnits: row.amount).proportion(row.part, of: row.whole)
        #expect(result.minorUnits == row.expected, "\(row.why)")
    }

    static let perShares: [(amount: Int64, quantity: Int64, expected: String, why: String)] = [
        (69_648, 3, "232.16", "696.48 / 3 divides evenly"),
        (10_000, 3, "33.3333", "100.00 / 3 rounds down at four decimals"),
        (2, 3, "0.0067", "0.02 / 3 = 0.00666… rounds up"),
        (1, 8, "0.0012", "0.01 / 8 = 0.00125 ties to even 0.0012"),
        (3, 8, "0.0038", "0.03 / 8 = 0.00375 ties to even 0.0038"),
        (50_000, 1, "500.00", "single share"),
    ]

    @Test("Cents.perShare(_:) gives a four-decimal half-even price", arguments: perShares)
    func perShare(row: (amount: Int64, quantity: Int64, expected: String, why: String)) throws {
        let price = try Cents(minorUnits: row.amount).perShare(row.quantity)
        #expect(price.description == row.expected, "\(row.why)")
    }

    @Test("perShare keeps the sign of a negative amount")
    func perShareNegative() throws {
        #expect(try Cents(minorUnits: -10_000).perShare(3).minorUnits == -333_333)
    }

    @Test("Adding and subtracting are exact")
    func addSubtract() throws {
        let cash = try #require(Cents(parsing: "10000"))
        let cost = try #require(Price(parsing: "232.16")).total(quantity: 3)
        let left = try cash.subtracting(cost)
        #expect(left.description == "9303.52")
        #expect(try left.adding(cost) == cash)
        #expect(try Cents.zero.subtracting(cash).description == "-10000.00")
        #expect(try Cents(minorUnits: -5).negated() == Cents(minorUnits: 5))
    }

    static let rounding: [(high: Int64, low: UInt64, divisor: Int64, expected: Int64, why: String)] = [
        (0, 1 << 62, Int64.min, 0, "-0.5 with a 2^63 divisor ties to even 0"),
        (0, 3 << 62, Int64.min, -2, "-1.5 with a 2^63 divisor ties to even -2"),
        (0, UInt64.max, -2, Int64.min, "magnitude 2^63 after rounding is Int64.min when negative"),
        (-1, UInt64.max, 1, -1, "128-bit -1 negates correctly"),
        (-1, 0, 1 << 62, -4, "-2^64 / 2^62 needs the carry into the high word"),
        (0, 7, 2, 4, "3.5 ties to even 4"),
        (0, 5, 2, 2, "2.5 ties to even 2"),
        (0, 5, 3, 2, "1.666… rounds up"),
    ]

    @Test("Rounding helper resolves edge ties", arguments: rounding)
    func roundingHelper(row: (high: Int64, low: UInt64, divisor: Int64, expected: Int64, why: String)) throws {
        let result = try Rounding.roundHalfEven(dividing: (row.high, row.low), by: row.divisor)
        #expect(result == row.expected, "\(row.why)")
    }
}
