import Money

/// The price during a simulated trading day: a random bridge from the previous close to the day's close.
///
/// The session is 14:30–21:00 UTC (NYSE hours in winter; daylight saving is ignored). Before it the price
/// is the previous close, after it the day's close, so the price at 23:59:59 is the close. Inside it the
/// price changes each minute: the straight line between the two closes plus a Brownian-bridge-like
/// noise made by midpoint displacement on a 512-point grid. Evaluating one point walks only the 9
/// dyadic levels above it, so a quote costs 9 hashes and no memo; the noise is exactly 0 at both ends.
enum IntradayPath {
    /// 14:30 UTC, in seconds after midnight.
    static let openSecond: Int64 = 52_200
    /// 21:00 UTC, in seconds after midnight.
    static let closeSecond: Int64 = 75_600
    /// Minutes in the session (390), the resolution of intraday moves.
    static let sessionMinutes: Int64 = (closeSecond - openSecond) / 60
    /// Midpoint-displacement grid size; a power of two at least `sessionMinutes`.
    static let gridSize: Int64 = 512
    /// Largest displacement at mid-session, in ppm of the lower close (0.35%); each finer level scales
    /// by 181/256 ≈ 1/√2, as Brownian increments do.
    static let amplitudePpm: Int64 = 3_500

    /// The price in minor units (whole cents) at `secondOfDay` of a trading day.
    static func price(previousClose: Int64, close: Int64, secondOfDay: Int64, key: UInt64) -> Int64 {
        if secondOfDay < openSecond { return previousClose }
        if secondOfDay >= closeSecond { return close }
        let minute = (secondOfDay - openSecond) / 60
        let position = minute * gridSize / sessionMinutes
        // Money's half-even rule; closes stay below 1e14 units, so neither rounding can throw (if one
        // did, the price would be the previous close rather than a trap).
        guard let step = try? Rounding.multiply(close - previousClose, by: position, dividingBy: gridSize) else {
            return previousClose
        }
        let amplitude = min(previousClose, close) * amplitudePpm / 1_000_000
        let value = previousClose + step + noise(at: position, amplitude: amplitude, key: key)
        guard let cents = try? Price(minorUnits: value).roundedToCent() else { return previousClose }
        return max(cents.minorUnits, DailyCloseWalk.floorMinorUnits)
    }

    /// Midpoint displacement: descend from [0, gridSize] (noise 0 at both ends) towards `position`. Each
    /// dyadic midpoint is a distinct grid index, so hashing the index alone gives every point one value.
    static func noise(at position: Int64, amplitude: Int64, key: UInt64) -> Int64 {
        var low: Int64 = 0
        var high = gridSize
        var lowValue: Int64 = 0
        var highValue: Int64 = 0
        var scale = amplitude
        while true {
            if position == low { return lowValue }
            if position == high { return highValue }
            let middle = (low + high) / 2
            let middleValue = (lowValue + highValue) / 2
                + SplitMix.symmetric(SplitMix.mix(key, UInt64(middle)), radius: scale)
            if position < middle {
                high = middle
                highValue = middleValue
            } else {
                low = middle
                lowValue = middleValue
            }
            scale = scale * 181 / 256
        }
    }
}
