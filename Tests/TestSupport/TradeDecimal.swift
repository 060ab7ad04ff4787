/// Decimal text and half-even rounding for the trade tests, written independently of the `Money`
/// target on purpose: the ledger checker must not share the code it checks.
public enum TradeDecimal {
    /// `text` in units of 10^-`scale` (`units("12.5", scale: 2)` is 1250), or `nil` unless it is an
    /// optional `-`, digits, and optionally `.` with 1 to `scale` digits. No `+`, spaces or exponents.
    public static func units(_ text: String, scale: Int) -> Int64? {
        var bytes = Array(text.utf8)
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes.removeFirst() }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 15 else { return nil }
        let fraction = parts.count == 2 ? parts[1] : []
        guard parts.count == 1 || (1...scale).contains(fraction.count) else { return nil }
        var value: Int64 = 0
        for byte in parts[0] {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        var digits = 0
        for byte in fraction {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - 0x30)
            digits += 1
        }
        for _ in digits..<scale { value *= 10 }
        return negative ? -value : value
    }

    /// The number of digits after the `.` (0 without one).
    public static func decimals(_ text: String) -> Int {
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: text.index(after: dot), to: text.endIndex)
    }

    /// `units` with exactly `scale` decimals and a `-` when negative: `text(-375, scale: 2)` is `"-3.75"`.
    public static func text(_ units: Int64, scale: Int) -> String {
        let magnitude = units.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        let fraction = String(magnitude % divisor)
        let padded = String(repeating: "0", count: scale - fraction.count) + fraction
        return (units < 0 ? "-" : "") + "\(magnitude / divisor)" + (scale > 0 ? "." + padded : "")
    }

    /// `numerator / denominator` rounded half to even; both non-negative, `denominator` > 0.
    public static func divideHalfEven(_ numerator: Int64, by denominator: Int64) -> Int64 {
        precondition(numerator >= 0 && denominator > 0)
        let quotient = numerator / denominator
        let twiceRemainder = 2 * (numerator % denominator)
        if twiceRemainder > denominator || (twiceRemainder == denominator && quotient % 2 == 1) { return quotient + 1 }
        return quotient
    }

    /// `price × quantity` in cents, half-even: the contract's `total` and `market_value`.
    public static func totalCents(priceUnits: Int64, quantity: Int64) -> Int64 {
        let (high, low) = priceUnits.multipliedFullWidth(by: quantity)
        precondition(high == 0 && low < UInt64(Int64.max), "test amounts stay small")
        return divideHalfEven(Int64(low), by: 100)
    }
}
