import Money
import Synchronization

/// The daily closes of every simulated symbol: a seeded, mean-reverting random walk in integers,
/// memoized so that each close is computed once per process.
///
/// close(n) = close(n-1) × (1 + step), step = uniform ±2% from a hash of (seed, symbol, n) plus a pull of
/// 1/256 of the distance back to the base price. The pull keeps decades of walk near the plausible base
/// (typical spread about ±13%) instead of drifting to pennies or thousands. Closes are whole cents.
final class DailyCloseWalk: Sendable {
    /// One symbol's walk parameters.
    struct Track: Sendable {
        /// The close before ordinal 0, and the level the walk reverts to, in minor units.
        let base: Int64
        /// Hash key derived from the seed and the symbol.
        let key: UInt64
    }

    /// Half-width of the daily random step, in parts per million (±2%).
    static let noiseRadiusPpm: Int64 = 20_000
    /// Mean reversion: each day removes 1/256 of the relative distance from the base.
    static let reversionDivisor: Int64 = 256
    /// Largest daily move after reversion, in ppm (±3%); with it a close can never reach zero.
    static let stepLimitPpm: Int64 = 30_000
    /// Lowest close, in minor units (one cent).
    static let floorMinorUnits: Int64 = 100

    private let tracks: [Track]
    /// `memo[track][ordinal]`: the closes computed so far, from ordinal 0 up.
    private let memo: Mutex<[[Int64]]>

    init(tracks: [Track]) {
        self.tracks = tracks
        memo = Mutex(Array(repeating: [], count: tracks.count))
    }

    /// Closes for ordinals `first...last`; ordinal -1 is the base (the close before the anchor).
    func closes(track: Int, first: Int, last: Int) -> [Int64] {
        precondition(first >= -1 && first <= last)
        let base = tracks[track].base
        return memo.withLock { memo in
            extend(&memo[track], through: last, track: tracks[track])
            let known = memo[track]
            return (first...last).map { $0 < 0 ? base : known[$0] }
        }
    }

    /// `(close of ordinal - 1, close of ordinal)`, the pair the intraday path runs between.
    func pair(track: Int, ordinal: Int) -> (previous: Int64, close: Int64) {
        let base = tracks[track].base
        return memo.withLock { memo in
            extend(&memo[track], through: ordinal, track: tracks[track])
            let previous = ordinal > 0 ? memo[track][ordinal - 1] : base
            return (previous, memo[track][ordinal])
        }
    }

    private func extend(_ closes: inout [Int64], through ordinal: Int, track: Track) {
        guard closes.count <= ordinal else { return }
        closes.reserveCapacity(ordinal + 1)
        var previous = closes.last ?? track.base
        while closes.count <= ordinal {
            previous = Self.step(from: previous, ordinal: closes.count, track: track)
            closes.append(previous)
        }
    }

    /// One day of the walk, rounded half-even to whole cents by Money's one rounding rule. Values stay
    /// below 1e14 in the products, far from Int64 overflow, so the rounding never throws; if it ever
    /// did, the walk would stand still for a day rather than trap.
    static func step(from previous: Int64, ordinal: Int, track: Track) -> Int64 {
        let noise = SplitMix.symmetric(SplitMix.mix(track.key, UInt64(ordinal)), radius: noiseRadiusPpm)
        let deviationPpm = (previous - track.base) * 1_000_000 / track.base
        let stepPpm = min(max(noise - deviationPpm / reversionDivisor, -stepLimitPpm), stepLimitPpm)
        guard let next = try? Price(minorUnits: Rounding.multiply(previous, by: 1_000_000 + stepPpm, dividingBy: 1_000_000))
            .roundedToCent()
        else { return previous }
        return max(next.minorUnits, floorMinorUnits)
    }
}
