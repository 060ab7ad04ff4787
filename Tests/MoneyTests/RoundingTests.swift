import Testing
import Money

/// `Rounding.multiply` and `Price.roundedToCent`, the rounding the simulated market now uses
/// (`package`) instead of its own copy, checked against exact 128-bit arithmetic.
@Suite("Rounding (package surface)")
struct RoundingTests {
    /// `value × multiplier / divisor`, half-even, computed independently in `Int128`; nil past `Int64`.
    static func reference(_ value: Int64, _ multiplier: Int64, _ divisor: Int64) -> Int64? {
        let numerator = Int128(value) * Int128(multiplier)
        let denominator = Int128(divisor)
        var quotient = numerator / denominator  // truncates toward zero
        let remainder = numerator - quotient * denominator
        let twice = (remainder < 0 ? -remainder : remainder) * 2
        let magnitude = denominator < 0 ? -denominator : denominator
        if twice > magnitude || (twice == magnitude && quotient % 2 != 0) {
            quotient += (numerator < 0) != (denominator < 0) ? -1 : 1
        }
        return Int64(exactly: quotient)
    }

    static let rows: [(value: Int64, multiplier: Int64, divisor: Int64, expected: Int64?, why: String)] = [
        (-5, 1, 2, -2, "-2.5 ties to even -2"),
        (-7, 1, 2, -4, "-3.5 ties to even -4"),
        (-3, 1, 2, -2, "-1.5 ties to even -2"),
        (-1, 1, 2, 0, "-0.5 ties to even 0"),
        (-1_000_050, 1, 100, -10_000, "a negative price half a cent off ties to the even cent"),
        (-1_000_150, 1, 100, -10_002, "and the other way"),
        (-1_000_051, 1, 100, -10_001, "just past the tie rounds away from zero"),
        (-999_999, 1_000_000 - 30_000, 1_000_000, -969_999, "a walk step down on a negative value (-969999.03)"),
        (.max, 1, 1, .max, "Int64.max is exact"),
        (.min, 1, 1, .min, "Int64.min is exact"),
        (.min, -1, 1, nil, "-Int64.min overflows"),
        (.max, 2, 2, .max, "a 2^64-sized product divides back exactly"),
        (.max, 3, 2, nil, "1.5 × Int64.max overflows"),
        (.min, 3, -3, nil, "-Int64.min overflows after dividing"),
        (.min, 1, .min, 1, "a divisor of Int64.min"),
        (1 << 62, -1, .min, 0, "0.5 with a negative numerator and divisor ties to 0"),
        (3 << 61, 1, .min, -1, "-0.75 rounds to -1"),
    ]

    @Test("multiply is exact, then rounds half-even, or throws past Int64", arguments: rows)
    func multiply(row: (value: Int64, multiplier: Int64, divisor: Int64, expected: Int64?, why: String)) {
        #expect(Self.reference(row.value, row.multiplier, row.divisor) == row.expected, "the reference agrees: \(row.why)")
        let result = try? Rounding.multiply(row.value, by: row.multiplier, dividingBy: row.divisor)
        #expect(result == row.expected, "\(row.why)")
    }

    @Test("multiply agrees with exact arithmetic on random operands")
    func multiplyMatchesReference() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let value = Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...62, using: &generator)
            let multiplier = Int64.random(in: -1_000_000...1_000_000, using: &generator)
            var divisor = Int64.random(in: -1_000_000...1_000_000, using: &generator)
            if divisor == 0 { divisor = 7 }
            let result = try? Rounding.multiply(value, by: multiplier, dividingBy: divisor)
            #expect(result == Self.reference(value, multiplier, divisor), "\(value) × \(multiplier) / \(divisor)")
        }
    }

    static let cents: [(units: Int64, expected: Int64, why: String)] = [
        (1_250, 1_200, "0.125 ties to 0.12"),
        (1_350, 1_400, "0.135 ties to 0.14"),
        (-1_250, -1_200, "-0.125 ties to -0.12"),
        (-1_350, -1_400, "-0.135 ties to -0.14"),
        (-1_251, -1_300, "-0.1251 rounds to -0.13"),
        (-49, 0, "-0.0049 rounds to zero"),
        (0, 0, "zero"),
        (.max, 9_223_372_036_854_775_800, "Int64.max ends in .07 of a cent: down"),
        (.min, -9_223_372_036_854_775_800, "Int64.min ends in .08 of a cent: down in magnitude"),
    ]

    @Test("Price.roundedToCent rounds half-even on the magnitude", arguments: cents)
    func roundedToCent(row: (units: Int64, expected: Int64, why: String)) throws {
        #expect(try Price(minorUnits: row.units).roundedToCent().minorUnits == row.expected, "\(row.why)")
    }
}
