/// An exact per-share price, in ten-thousandths (1/10,000) of the currency unit.
///
/// Four decimals cover sub-penny quotes (e.g. 0.0001 for penny stocks) without any
/// floating point. A price only becomes cash through `total(quantity:)`, which is where
/// the rounding to whole cents happens, once.
public struct Price: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The price in 1/10,000 units; `Price(minorUnits: 2_321_600)` is 232.16.
    /// Non-negative in practice; the type does not enforce it, so arithmetic stays total.
    public let minorUnits: Int64

    /// Number of decimal places one minor unit represents.
    package static let scale = 4

    /// Minor units in one currency unit.
    package static let unitsPerCurrencyUnit: Int64 = 10_000

    /// Creates a price from a whole number of ten-thousandths.
    public init(minorUnits: Int64) {
        self.minorUnits = minorUnits
    }

    /// Parses a quoted price such as `"232.1600"`, `"0.125"` or `"12"`.
    ///
    /// Accepts ASCII digits with an optional `.` and one to four decimals. Rejects any sign,
    /// whitespace, exponents, `"5."`, `".5"`, more than four decimals (rather than silently
    /// rounding a quote) and values outside the `Int64` range.
    public init?(parsing text: some StringProtocol) {
        guard let units = DecimalText.parse(text, scale: Self.scale, allowsSign: false) else {
            return nil
        }
        self.minorUnits = units
    }

    /// The shortest form with at least two and at most four decimals:
    /// `"232.16"`, `"0.125"`, `"0.0001"`, `"5.00"`.
    public var description: String {
        DecimalText.format(minorUnits, scale: Self.scale, minimumFractionDigits: 2)
    }

    /// At least `minimumFractionDigits` (at most four) decimals: `description(minimumFractionDigits: 4)`
    /// is `"232.1600"`, as an average cost is shown (API.md). Negative prices keep their sign.
    package func description(minimumFractionDigits: Int) -> String {
        DecimalText.format(minorUnits, scale: Self.scale, minimumFractionDigits: minimumFractionDigits)
    }

    /// This price rounded half-to-even to a whole cent (`0.125` → `0.12`, `-0.135` → `-0.14`).
    /// - Throws: `MoneyError.overflow` if the rounded price does not fit in `Int64` ten-thousandths.
    package func roundedToCent() throws(MoneyError) -> Price {
        let priceUnitsPerCent = Price.unitsPerCurrencyUnit / Cents.unitsPerCurrencyUnit
        let cents = try Rounding.multiply(minorUnits, by: 1, dividingBy: priceUnitsPerCent)
        let (units, overflow) = cents.multipliedReportingOverflow(by: priceUnitsPerCent)
        guard !overflow else { throw .overflow }
        return Price(minorUnits: units)
    }

    /// Orders prices numerically.
    public static func < (lhs: Price, rhs: Price) -> Bool {
        lhs.minorUnits < rhs.minorUnits
    }

    /// The cash value of `quantity` shares at this price, rounded half-to-even to the cent.
    ///
    /// The product is formed in 128 bits (a 10^9 price × 10^6 shares exceeds `Int64` in
    /// price units), so only a result that does not fit in `Int64` cents is an overflow.
    /// Examples: 0.125 × 1 = 0.12, 0.135 × 1 = 0.14, 2.675 × 1 = 2.68.
    ///
    /// - Throws: `MoneyError.overflow` if the rounded total does not fit in `Int64` cents.
    public func total(quantity: Int64) throws(MoneyError) -> Cents {
        let priceUnitsPerCent = Price.unitsPerCurrencyUnit / Cents.unitsPerCurrencyUnit
        return Cents(
            minorUnits: try Rounding.multiply(
                minorUnits, by: quantity, dividingBy: priceUnitsPerCent))
    }

    /// Same as `total(quantity:)`; reads better in expressions like `price.times(qty)`.
    /// - Throws: `MoneyError.overflow` if the rounded total does not fit in `Int64` cents.
    public func times(_ quantity: Int64) throws(MoneyError) -> Cents {
        try total(quantity: quantity)
    }
}

/// Encoded as a JSON string in canonical form (`"232.16"`), never a number, so that no
/// JSON library on the way can turn it into a binary floating-point value.
extension Price: Codable {
    /// Decodes via the strict `init?(parsing:)`; prices carry no sign.
    /// - Throws: `DecodingError.dataCorrupted` for anything the strict parser rejects.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Price(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "Expected a price like \"232.16\", got \"\(text)\"")
        }
        self = value
    }

    /// Encodes `description` as a single string value.
    /// - Throws: `EncodingError.invalidValue` for a negative price, because it could not
    ///   be decoded again and a negative quote indicates a bug upstream.
    public func encode(to encoder: any Encoder) throws {
        guard minorUnits >= 0 else {
            throw EncodingError.invalidValue(
                self,
                EncodingError.Context(
                    codingPath: encoder.codingPath,
                    debugDescription: "Negative price \(description) cannot be encoded"))
        }
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
