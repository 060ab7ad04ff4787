/// An exact amount of cash, in cents (1/100 of the currency unit).
///
/// Cash balances, cost bases and realized/unrealized P/L are kept as integer cents so that
/// sums are exact and reproducible; `Double` cannot represent 0.10 and would make balances
/// drift. Amounts may be negative (a loss). Every operation that could leave the `Int64`
/// range throws `MoneyError.overflow` instead of trapping.
public struct Cents: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The amount in cents; `Cents(minorUnits: 1234)` is 12.34.
    public let minorUnits: Int64

    /// Number of decimal places one minor unit represents.
    package static let scale = 2

    /// Zero cash.
    public static let zero = Cents(minorUnits: 0)

    /// Creates an amount from a whole number of cents.
    public init(minorUnits: Int64) {
        self.minorUnits = minorUnits
    }

    /// Parses a non-negative configuration amount such as `INITIAL_CASH`.
    ///
    /// Accepts ASCII digits with an optional `.` and one or two decimals: `"10000"`,
    /// `"10000.5"`, `"10000.50"`. Rejects signs (including `-`: configured cash is never
    /// negative), whitespace, exponents, `"5."`, `".5"`, more than two decimals (rather
    /// than silently rounding) and values outside the `Int64` range.
    public init?(parsing text: some StringProtocol) {
        guard let units = DecimalText.parse(text, scale: Self.scale, allowsSign: false) else {
            return nil
        }
        self.minorUnits = units
    }

    /// Parses text produced by `description`, which may carry a leading `-`.
    ///
    /// This is the strict grammar of `init?(parsing:)` plus an optional `-`; it exists so
    /// persisted or transmitted P/L values round-trip, while configuration input keeps
    /// rejecting signs. `"-0.00"` is accepted and means zero.
    public init?(canonical text: some StringProtocol) {
        guard let units = DecimalText.parse(text, scale: Self.scale, allowsSign: true) else {
            return nil
        }
        self.minorUnits = units
    }

    /// Always exactly two decimals, with a `-` for negative amounts:
    /// `"10000.00"`, `"0.05"`, `"-12.34"`.
    public var description: String {
        DecimalText.format(minorUnits, scale: Self.scale, minimumFractionDigits: Self.scale)
    }

    /// Orders amounts numerically.
    public static func < (lhs: Cents, rhs: Cents) -> Bool {
        lhs.minorUnits < rhs.minorUnits
    }

    /// Returns `self + other`.
    /// - Throws: `MoneyError.overflow` if the sum does not fit in `Int64` cents.
    public func adding(_ other: Cents) throws(MoneyError) -> Cents {
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .overflow }
        return Cents(minorUnits: sum)
    }

    /// Returns `self - other`.
    /// - Throws: `MoneyError.overflow` if the difference does not fit in `Int64` cents.
    public func subtracting(_ other: Cents) throws(MoneyError) -> Cents {
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw .overflow }
        return Cents(minorUnits: difference)
    }

    /// Returns `-self`.
    /// - Throws: `MoneyError.overflow` for `Int64.min` cents, which has no positive twin.
    public func negated() throws(MoneyError) -> Cents {
        try Cents.zero.subtracting(self)
    }

    /// Returns `self × part / whole`, rounded half-to-even to the cent.
    ///
    /// Used when selling `part` of `whole` shares removes that share of the cost basis.
    /// The product is formed in 128 bits, so the result is exact before its single
    /// rounding even when `self × part` exceeds `Int64`.
    ///
    /// - Throws: `MoneyError.divisionByZero` if `whole` is zero,
    ///   `MoneyError.overflow` if the rounded result does not fit in `Int64` cents.
    public func proportion(_ part: Int64, of whole: Int64) throws(MoneyError) -> Cents {
        Cents(minorUnits: try Rounding.multiply(minorUnits, by: part, dividingBy: whole))
    }

    /// Returns `self / quantity` as a per-share `Price` (four decimals), rounded
    /// half-to-even; this is how a position's average cost is derived from its cost basis.
    ///
    /// - Throws: `MoneyError.divisionByZero` if `quantity` is zero,
    ///   `MoneyError.overflow` if the price does not fit in `Int64` ten-thousandths.
    public func perShare(_ quantity: Int64) throws(MoneyError) -> Price {
        // One cent is 100 price units; scale up before dividing so no precision is lost.
        let centsToPriceUnits = Price.unitsPerCurrencyUnit / Cents.unitsPerCurrencyUnit
        return Price(
            minorUnits: try Rounding.multiply(
                minorUnits, by: centsToPriceUnits, dividingBy: quantity))
    }

    /// Minor units in one currency unit (100 cents per dollar).
    package static let unitsPerCurrencyUnit: Int64 = 100
}

/// Encoded as a JSON string in canonical form (`"-12.34"`), never a number, so that no
/// JSON library on the way can turn it into a binary floating-point value.
extension Cents: Codable {
    /// Decodes a canonical string via `init?(canonical:)`.
    /// - Throws: `DecodingError.dataCorrupted` for anything that is not canonical text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Cents(canonical: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "Expected a cents amount like \"-12.34\", got \"\(text)\"")
        }
        self = value
    }

    /// Encodes `description` as a single string value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
