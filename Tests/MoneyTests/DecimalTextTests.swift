import Testing
import Money

/// `DecimalText.format`, the one formatter every target uses for money and prices (`package`),
/// at every scale from 0 to 4, for negative values and at the ends of `Int64`.
@Suite("DecimalText")
struct DecimalTextTests {
    static let rows: [(units: Int64, scale: Int, minimum: Int, expected: String, why: String)] = [
        (0, 0, 0, "0", "scale 0: zero, no point (this trapped before)"),
        (7, 0, 0, "7", "scale 0: a whole number"),
        (-7, 0, 0, "-7", "scale 0: negative"),
        (7, 0, 2, "7", "scale 0: a minimum above the scale is clamped"),
        (Int64.max, 0, 0, "9223372036854775807", "scale 0: Int64.max"),
        (Int64.min, 0, 0, "-9223372036854775808", "scale 0: Int64.min"),
        (15, 1, 0, "1.5", "scale 1"),
        (-15, 1, 1, "-1.5", "scale 1: negative"),
        (10, 1, 0, "1", "scale 1: trailing zero trimmed to the minimum"),
        (-10, 1, 1, "-1.0", "scale 1: negative, minimum kept"),
        (-1, 1, 0, "-0.1", "scale 1: a negative fraction keeps its sign"),
        (-1234, 2, 2, "-12.34", "scale 2: negative cents"),
        (-5, 2, 2, "-0.05", "scale 2: padded negative cents"),
        (0, 2, 2, "0.00", "scale 2: zero has no sign"),
        (-1, 3, 0, "-0.001", "scale 3"),
        (-1000, 3, 0, "-1", "scale 3: all zeros trimmed"),
        (-1000, 3, 2, "-1.00", "scale 3: trimmed to the minimum"),
        (-1, 4, 4, "-0.0001", "scale 4: the smallest negative price unit"),
        (-12_345_678, 4, 4, "-1234.5678", "scale 4: negative, four decimals"),
        (-12_340_000, 4, 4, "-1234.0000", "scale 4: four decimals kept when asked"),
        (-12_340_000, 4, 2, "-1234.00", "scale 4: at least two"),
        (Int64.min, 4, 4, "-922337203685477.5808", "scale 4: Int64.min"),
        (Int64.max, 4, 4, "922337203685477.5807", "scale 4: Int64.max"),
        (5, 4, -3, "0.0005", "a negative minimum counts as 0"),
    ]

    @Test("format gives exact text", arguments: rows)
    func format(row: (units: Int64, scale: Int, minimum: Int, expected: String, why: String)) {
        #expect(DecimalText.format(row.units, scale: row.scale, minimumFractionDigits: row.minimum) == row.expected,
                "\(row.why)")
    }

    @Test("what format prints parses back to the same units at scales 0 to 4", arguments: 0...4)
    func roundTrip(scale: Int) {
        var generator = SystemRandomNumberGenerator()
        let samples: [Int64] = [0, 1, -1, 9, -9, 10, -10, 99, -100, .max, .min, .max - 1, .min + 1]
            + (0..<200).map { _ in Int64.random(in: .min ... .max, using: &generator) }
        for units in samples {
            for minimum in 0...scale {
                let text = DecimalText.format(units, scale: scale, minimumFractionDigits: minimum)
                #expect(DecimalText.parse(text, scale: scale, allowsSign: true) == units, "\(units) at scale \(scale): \(text)")
            }
        }
    }

    @Test("scale 0 parses whole numbers only")
    func scaleZeroParse() {
        #expect(DecimalText.parse("42", scale: 0, allowsSign: false) == 42)
        #expect(DecimalText.parse("-42", scale: 0, allowsSign: true) == -42)
        #expect(DecimalText.parse("4.2", scale: 0, allowsSign: false) == nil)
        #expect(DecimalText.parse("9223372036854775808", scale: 0, allowsSign: false) == nil)
        #expect(DecimalText.parse("-9223372036854775808", scale: 0, allowsSign: true) == .min)
    }

    @Test("Price.description(minimumFractionDigits:) shows four decimals, negative ones too")
    func priceFourDecimals() {
        #expect(Price(minorUnits: 2_321_600).description(minimumFractionDigits: 4) == "232.1600")
        #expect(Price(minorUnits: 333_333).description(minimumFractionDigits: 4) == "33.3333")
        #expect(Price(minorUnits: 0).description(minimumFractionDigits: 4) == "0.0000")
        #expect(Price(minorUnits: -1).description(minimumFractionDigits: 4) == "-0.0001", "trapped in TradeBodies' copy")
        #expect(Price(minorUnits: -333_333).description(minimumFractionDigits: 4) == "-33.3333")
        #expect(Price(minorUnits: .min).description(minimumFractionDigits: 4) == "-922337203685477.5808")
    }
}
