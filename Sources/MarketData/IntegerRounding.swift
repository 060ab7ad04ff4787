/// The one rounding rule of the simulated market: round half to even, in integers.
enum IntegerRounding {
    /// `numerator / denominator` rounded half to even; `denominator` > 0, any sign of `numerator`.
    static func divide(_ numerator: Int64, by denominator: Int64) -> Int64 {
        var quotient = numerator / denominator
        var remainder = numerator % denominator
        if remainder < 0 {  // floor first, so the tie rule below sees a non-negative remainder
            quotient -= 1
            remainder += denominator
        }
        let twice = remainder * 2
        if twice > denominator || (twice == denominator && quotient & 1 != 0) { quotient += 1 }
        return quotient
    }

    /// Rounds minor units (1/10,000) to whole cents, half to even.
    static func toCents(_ minorUnits: Int64) -> Int64 { divide(minorUnits, by: 100) * 100 }
}
