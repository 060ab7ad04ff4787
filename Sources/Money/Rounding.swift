/// The single place where this module divides and resolves ties.
///
/// Every conversion between scales (price × quantity → cents, cents × part / whole,
/// cents / quantity → price) is "multiply full-width, then divide once". Keeping the one
/// division here means there is exactly one tie-breaking rule to audit, and it is applied
/// to the exact 128-bit product, so no intermediate rounding or Int64 overflow can creep in.
/// `package`, so that other targets (the simulated market) round with this rule and no copy of it.
package enum Rounding {
    /// Divides a signed 128-bit numerator by `divisor` and rounds half-to-even.
    ///
    /// Rounding is done on magnitudes and the sign re-applied afterwards, so the rule is
    /// symmetric: -0.125 rounds to -0.12 exactly as 0.125 rounds to 0.12. Half-even (banker's
    /// rounding) is used because it has no systematic bias across many trades, unlike
    /// half-up which drifts cash upward.
    ///
    /// - Parameters:
    ///   - numerator: two's-complement 128-bit value, as produced by `multipliedFullWidth`.
    ///   - divisor: any non-zero value; its sign participates in the result's sign.
    /// - Throws: `MoneyError.divisionByZero` if `divisor` is zero,
    ///   `MoneyError.overflow` if the rounded quotient does not fit in `Int64`.
    package static func roundHalfEven(
        dividing numerator: (high: Int64, low: UInt64),
        by divisor: Int64
    ) throws(MoneyError) -> Int64 {
        guard divisor != 0 else { throw .divisionByZero }

        let numeratorIsNegative = numerator.high < 0
        var magnitudeHigh = UInt64(bitPattern: numerator.high)
        var magnitudeLow = numerator.low
        if numeratorIsNegative {
            // 128-bit two's-complement negation; the carry into the high word happens only
            // when the low word was zero. The magnitude of any Int64 × Int64 product is at
            // most 2^126, so it always fits the unsigned pair.
            magnitudeLow = ~magnitudeLow &+ 1
            magnitudeHigh = ~magnitudeHigh &+ (magnitudeLow == 0 ? 1 : 0)
        }

        let divisorMagnitude = divisor.magnitude
        // `dividingFullWidth` traps when the quotient needs more than 64 bits, which is
        // exactly when the high word is not below the divisor; report that instead.
        guard magnitudeHigh < divisorMagnitude else { throw .overflow }
        var (quotient, remainder) = divisorMagnitude.dividingFullWidth(
            (high: magnitudeHigh, low: magnitudeLow))

        // Compare the remainder with what is left to the next multiple rather than doubling
        // it, because 2 × remainder can exceed UInt64 for divisors above 2^63.
        let distanceToNext = divisorMagnitude - remainder
        let roundsUp =
            remainder > distanceToNext
            || (remainder == distanceToNext && quotient & 1 == 1)
        if roundsUp {
            let (next, overflow) = quotient.addingReportingOverflow(1)
            guard !overflow else { throw .overflow }
            quotient = next
        }

        let resultIsNegative = numeratorIsNegative != (divisor < 0)
        return try signed(magnitude: quotient, negative: resultIsNegative)
    }

    /// Re-applies a sign to a magnitude, accepting the full `Int64` range.
    ///
    /// `Int64.min` has no positive counterpart, so the negative branch allows a magnitude
    /// of 2^63 — this keeps parsing and arithmetic symmetric with `description`.
    ///
    /// - Throws: `MoneyError.overflow` if the signed value does not fit in `Int64`.
    package static func signed(magnitude: UInt64, negative: Bool) throws(MoneyError) -> Int64 {
        if negative {
            guard magnitude <= Int64.min.magnitude else { throw .overflow }
            return Int64(bitPattern: 0 &- magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw .overflow }
        return Int64(magnitude)
    }

    /// Returns `value × multiplier`, rounded half-even after dividing by `divisor`.
    ///
    /// A convenience over `roundHalfEven(dividing:by:)` for the common
    /// "scale, then divide" shape; the product is never narrowed to 64 bits.
    package static func multiply(
        _ value: Int64, by multiplier: Int64, dividingBy divisor: Int64
    ) throws(MoneyError) -> Int64 {
        try roundHalfEven(dividing: value.multipliedFullWidth(by: multiplier), by: divisor)
    }
}
