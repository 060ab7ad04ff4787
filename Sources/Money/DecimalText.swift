/// Strict text conversion for fixed-point amounts, shared by `Cents` and `Price`, and `package`
/// so that every target formats money and prices with this one implementation.
///
/// Parsing is written byte by byte over UTF-8 on purpose: `Int("+5")` accepts a sign,
/// `Character.isNumber` accepts Arabic-Indic and full-width digits, and `Double` accepts
/// exponents and rounds. None of that is acceptable for configuration values or
/// persisted balances, where a surprising parse is a silent money bug.
package enum DecimalText {
    private static let minus = UInt8(ascii: "-")
    private static let dot = UInt8(ascii: ".")
    private static let zero = UInt8(ascii: "0")
    private static let nine = UInt8(ascii: "9")

    /// Parses `digits[.fraction]` (optionally preceded by `-`) into minor units.
    ///
    /// Grammar: `-?[0-9]+(\.[0-9]{1,scale})?`, ASCII only, no surrounding whitespace.
    ///
    /// - Parameters:
    ///   - text: the candidate text.
    ///   - scale: number of decimal places one minor unit represents (2 for cents).
    ///   - allowsSign: whether a leading `-` is accepted.
    /// - Returns: the minor units, or `nil` if the text does not match the grammar or the
    ///   value does not fit in `Int64`.
    package static func parse(_ text: some StringProtocol, scale: Int, allowsSign: Bool) -> Int64? {
        var bytes = text.utf8.makeIterator()
        var next = bytes.next()

        var negative = false
        if allowsSign, next == minus {
            negative = true
            next = bytes.next()
        }

        var magnitude: UInt64 = 0
        var integerDigits = 0
        while let byte = next, isDigit(byte) {
            guard let grown = appendDigit(byte, to: magnitude) else { return nil }
            magnitude = grown
            integerDigits += 1
            next = bytes.next()
        }
        guard integerDigits > 0 else { return nil }

        var fractionDigits = 0
        if next == dot {
            next = bytes.next()
            while let byte = next, isDigit(byte) {
                fractionDigits += 1
                guard fractionDigits <= scale,
                    let grown = appendDigit(byte, to: magnitude)
                else { return nil }
                magnitude = grown
                next = bytes.next()
            }
            // "5." is rejected: a dangling point usually means a truncated value.
            guard fractionDigits > 0 else { return nil }
        }
        // Anything left (spaces, exponents, a second point, non-ASCII digits) is an error.
        guard next == nil else { return nil }

        for _ in fractionDigits..<scale {
            let (shifted, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            magnitude = shifted
        }
        return try? Rounding.signed(magnitude: magnitude, negative: negative)
    }

    /// Most decimal places a scale may have: 10^19 is the largest power of ten in `UInt64`, and
    /// an `Int64` has at most 19 digits.
    package static let scaleMax = 19

    /// Formats minor units as `-?whole.fraction` with trailing fraction zeros trimmed,
    /// but never below `minimumFractionDigits` (clamped to `0...scale`).
    ///
    /// Works on the magnitude so that `Int64.min` formats correctly, and never prints
    /// `-0.00`: zero has no sign. Scale 0 prints the whole number alone.
    /// - Precondition: `scale` is in `0...scaleMax` (a programming constant, never input).
    package static func format(_ minorUnits: Int64, scale: Int, minimumFractionDigits: Int) -> String {
        precondition((0...scaleMax).contains(scale), "scale \(scale) outside 0...\(scaleMax)")
        let magnitude = minorUnits.magnitude
        var unit: UInt64 = 1
        for _ in 0..<scale { unit *= 10 }
        let whole = magnitude / unit
        var fraction = magnitude % unit
        // The fraction's digits to print: all `scale` of them (leading zeros kept), less trailing
        // zeros down to `minimumFractionDigits`. Scale 0 prints the whole number alone.
        var fractionDigits = scale
        let keep = min(max(minimumFractionDigits, 0), scale)
        while fractionDigits > keep, fraction % 10 == 0 {
            fraction /= 10
            fractionDigits -= 1
        }
        // Written as bytes into the string's own storage: this runs for every amount of every
        // response (a history page has 400), and building it from Strings cost 2,200 instructions.
        return String(unsafeUninitializedCapacity: 1 + 20 + 1 + scaleMax) { buffer in
            var count = 0
            if minorUnits < 0 {
                buffer[count] = minus
                count += 1
            }
            count += writeDigits(whole, minimumDigits: 1, into: buffer, at: count)
            if fractionDigits > 0 {
                buffer[count] = dot
                count += 1
                count += writeDigits(fraction, minimumDigits: fractionDigits, into: buffer, at: count)
            }
            return count
        }
    }

    /// Writes `value` in decimal at `start`, zero-padded to `minimumDigits`; returns the digits written.
    private static func writeDigits(_ value: UInt64, minimumDigits: Int, into buffer: UnsafeMutableBufferPointer<UInt8>,
                                    at start: Int) -> Int {
        var length = 0
        var rest = value
        repeat {
            length += 1
            rest /= 10
        } while rest > 0
        length = max(length, minimumDigits)
        rest = value
        for index in stride(from: start + length - 1, through: start, by: -1) {
            buffer[index] = zero + UInt8(rest % 10)
            rest /= 10
        }
        return length
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= zero && byte <= nine
    }

    /// `magnitude × 10 + digit`, or `nil` on overflow.
    private static func appendDigit(_ byte: UInt8, to magnitude: UInt64) -> UInt64? {
        let (shifted, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
        let (sum, overflowB) = shifted.addingReportingOverflow(UInt64(byte - zero))
        return overflowA || overflowB ? nil : sum
    }
}
