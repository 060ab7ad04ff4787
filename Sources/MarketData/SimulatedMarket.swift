import Foundation
import Money

/// The built-in market used when no API key is set: a fixed list of well-known symbols whose prices
/// follow a seeded random walk, reproducible on every platform.
///
/// Days are UTC dates; trading days are Monday to Friday (no holidays). Each trading day has a close
/// from `DailyCloseWalk`; during the day the price moves every minute along `IntradayPath` from the
/// previous close to that close. So a quote and a history taken at the same instant agree: the last
/// history row of a weekday is the price so far, and on a weekend both show Friday's close.
/// Times before 1990-01-01 or from 2100-01-01 on are clamped into that range.
/// Copies share one memo of computed closes; all methods are safe from any thread.
public struct SimulatedMarket: Sendable {
    /// A simulated symbol and its company name.
    public struct Listing: Sendable, Hashable {
        /// The ticker, upper case.
        public let symbol: String
        /// The company's name.
        public let name: String

        /// Creates a listing.
        public init(symbol: String, name: String) {
            self.symbol = symbol
            self.name = name
        }
    }

    /// Every simulated symbol, in a stable order.
    public let symbols: [Listing]
    private let trackBySymbol: [String: Int]
    private let intradayKeys: [UInt64]
    private let walk: DailyCloseWalk

    /// Builds the market; the same `seed` gives the same prices for the same instants.
    public init(seed: UInt64 = 20_261_124) {
        let table = Self.table
        symbols = table.map { Listing(symbol: $0.symbol, name: $0.name) }
        var index: [String: Int] = [:]
        var tracks: [DailyCloseWalk.Track] = []
        var keys: [UInt64] = []
        for (position, entry) in table.enumerated() {
            index[entry.symbol] = position
            let symbolKey = SplitMix.mix(seed, SplitMix.fnv1a(entry.symbol))
            // Separate keys so the daily and intraday draws are independent.
            tracks.append(.init(base: entry.basePrice * 10_000, key: SplitMix.mix(symbolKey, 0xDA11)))
            keys.append(SplitMix.mix(symbolKey, 0x1A7D))
        }
        trackBySymbol = index
        intradayKeys = keys
        walk = DailyCloseWalk(tracks: tracks)
    }

    /// The price of `symbol` at `at`, or nil for a symbol not listed (the caller upper-cases it).
    /// On a weekend: Friday's close.
    public func quote(symbol: String, at: Date) -> Price? {
        guard let track = trackBySymbol[symbol] else { return nil }
        let (day, second) = Self.split(at)
        return Price(minorUnits: price(track: track, day: day, second: second))
    }

    /// The `days` most recent trading days up to `at` (including `at`'s date when it is a weekday),
    /// oldest first; the last close equals `quote(symbol:at:)`. Nil for a symbol not listed; empty when
    /// `days` < 1; shorter than `days` only when it would reach before 1990-01-01.
    public func history(symbol: String, days: Int, at: Date) -> [DailyClose]? {
        guard let track = trackBySymbol[symbol] else { return nil }
        guard days > 0 else { return [] }
        let (day, second) = Self.split(at)
        let lastDay = TradingDays.lastTradingDay(onOrBefore: day)
        let last = TradingDays.ordinal(ofTradingDay: lastDay)
        let first = max(last - days + 1, 0)
        var closes = walk.closes(track: track, first: first, last: last)
        closes[closes.count - 1] = price(track: track, day: day, second: second)
        return zip(first...last, closes).map { ordinal, close in
            DailyClose(date: UTCCalendar.isoDate(ofDay: TradingDays.day(ofOrdinal: ordinal)),
                       close: Price(minorUnits: close))
        }
    }

    /// Minor units at a clamped instant: Friday's close on weekends, the intraday path on weekdays.
    private func price(track: Int, day: Int64, second: Int64) -> Int64 {
        let tradingDay = TradingDays.lastTradingDay(onOrBefore: day)
        let ordinal = TradingDays.ordinal(ofTradingDay: tradingDay)
        let (previous, close) = walk.pair(track: track, ordinal: ordinal)
        guard tradingDay == day else { return close }
        let key = SplitMix.mix(intradayKeys[track], UInt64(ordinal))
        return IntradayPath.price(previousClose: previous, close: close, secondOfDay: second, key: key)
    }

    /// (UTC day number, second of that day), clamped to [1990-01-01, 2100-01-01).
    private static func split(_ date: Date) -> (day: Int64, second: Int64) {
        let low = Double(TradingDays.anchorDay * UTCCalendar.secondsPerDay)
        let high = Double(TradingDays.limitDay * UTCCalendar.secondsPerDay - 1)
        let raw = date.timeIntervalSince1970
        let seconds = Int64((raw.isNaN ? low : min(max(raw, low), high)).rounded(.down))
        return (seconds / UTCCalendar.secondsPerDay, seconds % UTCCalendar.secondsPerDay)
    }
}
