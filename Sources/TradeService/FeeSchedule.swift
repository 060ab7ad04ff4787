import Money
import ServiceKit

/// The commission every order pays (issue 26): a fixed amount per order, an amount per share and
/// basis points of the notional, added up exactly and rounded once, half-even to the cent, then
/// raised to a minimum. All zero by default, so the market routes answer as before with a fee of
/// `0.00`.
///
/// Environment: `COMMISSION_PER_ORDER` (cash, 2 decimals), `COMMISSION_PER_SHARE` (a price, up to 4
/// decimals), `COMMISSION_BPS` (whole basis points of `price × quantity`, 0 to 1000),
/// `COMMISSION_MIN` (cash, 2 decimals; the least any order pays, so alone it is a flat fee).
public struct FeeSchedule: Sendable, Equatable {
    public var perOrder: Cents
    public var perShare: Price
    public var basisPoints: Int64
    public var minimum: Cents

    /// The free schedule.
    public static let zero = FeeSchedule(perOrder: .zero, perShare: Price(minorUnits: 0), basisPoints: 0, minimum: .zero)

    public init(perOrder: Cents, perShare: Price, basisPoints: Int64, minimum: Cents) {
        self.perOrder = perOrder
        self.perShare = perShare
        self.basisPoints = basisPoints
        self.minimum = minimum
    }

    /// Reads the four variables; a malformed one stops the process at start, naming it.
    init(environment: Environment) throws {
        func cash(_ name: String) throws -> Cents {
            let text = environment.string(name, default: "0")
            guard let value = Cents(parsing: text), value.minorUnits <= 1_000_000 else {
                throw ConfigError(name, "must be an amount from 0 to 10000.00 with at most 2 decimals, got \"\(text)\"")
            }
            return value
        }
        let shareText = environment.string("COMMISSION_PER_SHARE", default: "0")
        guard let perShare = Price(parsing: shareText), perShare.minorUnits <= 1_000_000 else {
            throw ConfigError("COMMISSION_PER_SHARE", "must be a price from 0 to 100.00 with at most 4 decimals, got \"\(shareText)\"")
        }
        self.init(perOrder: try cash("COMMISSION_PER_ORDER"), perShare: perShare,
                  basisPoints: Int64(try environment.int("COMMISSION_BPS", default: 0, in: 0...1000)),
                  minimum: try cash("COMMISSION_MIN"))
    }

    /// Whether every order is free.
    var isFree: Bool { self == .zero }

    /// The fee of `quantity` shares whose notional (`price × quantity`, already rounded to the cent)
    /// is `notional`. The three parts are summed in 1/10,000 of a cent, where each is exact
    /// (a per-share price is 1/100 cent, a basis point of a cent is 1/10,000 cent), and rounded
    /// once with Money's half-even rule. Monotone in `notional`: a reservation at a worse price
    /// always covers the fee of a fill at a better one.
    /// - Throws: `MoneyError.overflow` for amounts beyond `Int64` cents.
    func fee(quantity: Int64, notional: Cents) throws(MoneyError) -> Cents {
        if isFree { return .zero }
        let scale: Int64 = 10_000  // 1/10,000 cent per cent
        var sum = (high: Int64(0), low: UInt64(0))
        func add(_ part: (high: Int64, low: UInt64)) throws(MoneyError) {
            let (low, carry) = sum.low.addingReportingOverflow(part.low)
            let (high1, o1) = sum.high.addingReportingOverflow(part.high)
            let (high, o2) = high1.addingReportingOverflow(carry ? 1 : 0)
            guard !o1, !o2 else { throw .overflow }
            sum = (high, low)
        }
        try add(perOrder.minorUnits.multipliedFullWidth(by: scale))
        // A price unit is 1/100 cent: × 100 more to reach 1/10,000 cent.
        try add((perShare.minorUnits * 100).multipliedFullWidth(by: quantity))
        try add(notional.minorUnits.multipliedFullWidth(by: basisPoints))
        let fee = Cents(minorUnits: try Rounding.roundHalfEven(dividing: sum, by: scale))
        return max(fee, minimum)
    }
}
