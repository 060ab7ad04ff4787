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

    /// The String-built formatter `format` replaced (written into bytes since, bench/RESULTS.md),
    /// kept as the oracle: both must agree everywhere.
    static func stringBuiltFormat(_ minorUnits: Int64, scale: Int, minimumFractionDigits: Int) -> String {
        let magnitude = minorUnits.magnitude
        let sign = minorUnits < 0 ? "-" : ""
        guard scale > 0 else { return "\(sign)\(magnitude)" }
        var unit: UInt64 = 1
        for _ in 0..<scale { unit *= 10 }
        let whole = magnitude / unit
        var fraction = String(magnitude % unit)
        fraction = String(repeating: "0", count: scale - fraction.count) + fraction
        let keep = min(max(minimumFractionDigits, 0), scale)
        while fraction.count > keep, fraction.last == "0" { fraction.removeLast() }
        return fraction.isEmpty ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }

    @Test("format agrees with the String-built formatter at every scale (0 to 19), minimum and edge value",
          arguments: 0...DecimalText.scaleMax)
    func agreesWithStringBuiltFormat(scale: Int) {
        var generator = SystemRandomNumberGenerator()
        var values: [Int64] = [0, 1, -1, 9, 10, 11, 99, 100, 101, 1_000_000, -1_000_000, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power, -power, power - 1, power + 1, power * 3, -(power - 1)]
        }
        for _ in 0..<500 { values.append(Int64.random(in: Int64.min...Int64.max, using: &generator)) }
        for _ in 0..<500 { values.append(Int64.random(in: -100_000...100_000, using: &generator)) }
        for value in values {
            for minimum in -1...(DecimalText.scaleMax + 1) {
                let expected = Self.stringBuiltFormat(value, scale: scale, minimumFractionDigits: minimum)
                #expect(DecimalText.format(value, scale: scale, minimumFractionDigits: minimum) == expected,
                        "\(value) scale \(scale) minimum \(minimum)")
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
