/// Failures of money arithmetic.
///
/// Money code never wraps or traps: an amount that cannot be represented exactly in
/// `Int64` minor units is reported to the caller, who can turn it into a 4xx/5xx
/// instead of crashing a service or silently corrupting a balance.
public enum MoneyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The exact (rounded) result does not fit in `Int64` minor units.
    case overflow
    /// A proportion or per-share amount was requested with a zero denominator
    /// (for example the average cost of a position holding zero shares).
    case divisionByZero

    /// A short, log-friendly explanation of the failure.
    public var description: String {
        switch self {
        case .overflow:
            return "money amount out of range"
        case .divisionByZero:
            return "money division by zero"
        }
    }
}
