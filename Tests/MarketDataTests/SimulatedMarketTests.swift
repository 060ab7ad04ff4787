import Foundation
import MarketData
import Money
import Testing

/// A UTC instant, built with Foundation's calendar so the tests do not share the market's arithmetic.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
}

/// 1 = Sunday ... 7 = Saturday, for a `YYYY-MM-DD` string.
func weekday(_ isoDate: String) -> Int {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = isoDate.split(separator: "-").map { Int($0)! }
    return calendar.component(.weekday, from: utc(parts[0], parts[1], parts[2]))
}

@Suite struct SimulatedMarketTests {
    let market = SimulatedMarket()
    // 2026-11-20 is a Friday, 21/22 the weekend, 23 Monday, 24 Tuesday.
    let tuesdayAfternoon = utc(2026, 11, 24, 17, 3, 27)

    @Test func listsTheWellKnownSymbols() {
        let names = Dictionary(uniqueKeysWithValues: market.symbols.map { ($0.symbol, $0.name) })
        #expect(market.symbols.count >= 10)
        #expect(names.count == market.symbols.count)
        let required = [
            "AAPL": "Apple Inc.", "MSFT": "Microsoft Corporation", "GOOGL": "Alphabet Inc.",
            "AMZN": "Amazon.com Inc.", "NVDA": "NVIDIA Corporation", "META": "Meta Platforms Inc.",
            "TSLA": "Tesla Inc.", "JPM": "JPMorgan Chase & Co.", "V": "Visa Inc.", "KO": "The Coca-Cola Company",
        ]
        for (symbol, name) in required { #expect(names[symbol] == name) }
    }

    @Test func unknownSymbolsHaveNoPrices() {
        #expect(market.quote(symbol: "NOPE", at: tuesdayAfternoon) == nil)
        #expect(market.quote(symbol: "aapl", at: tuesdayAfternoon) == nil)  // callers upper-case
        #expect(market.history(symbol: "NOPE", days: 5, at: tuesdayAfternoon) == nil)
    }

    @Test func sameSeedSameAnswersOtherSeedOtherAnswers() {
        let twin = SimulatedMarket()
        let other = SimulatedMarket(seed: 7)
        let instants = [tuesdayAfternoon, utc(2026, 11, 21, 12), utc(2025, 3, 3, 15, 0, 1), utc(2031, 6, 2, 20, 59)]
        var differences = 0
        for listing in market.symbols {
            for instant in instants {
                #expect(market.quote(symbol: listing.symbol, at: instant) == twin.quote(symbol: listing.symbol, at: instant))
                if market.quote(symbol: listing.symbol, at: instant) != other.quote(symbol: listing.symbol, at: instant) {
                    differences += 1
                }
            }
            #expect(market.history(symbol: listing.symbol, days: 30, at: tuesdayAfternoon)
                == twin.history(symbol: listing.symbol, days: 30, at: tuesdayAfternoon))
        }
        #expect(differences > market.symbols.count * instants.count / 2)
    }

    @Test func lastHistoryCloseIsTheQuoteOnWeekdays() {
        let times = [(0, 0, 0), (9, 15, 0), (14, 29, 59), (14, 30, 0), (15, 1, 0), (18, 37, 12), (20, 59, 59), (21, 0, 0), (23, 59, 59)]
        for listing in market.symbols {
            for (hour, minute, second) in times {
                let instant = utc(2026, 11, 24, hour, minute, second)
                let history = market.history(symbol: listing.symbol, days: 10, at: instant)
                #expect(history?.last?.date == "2026-11-24")
                #expect(history?.last?.close == market.quote(symbol: listing.symbol, at: instant))
            }
        }
    }

    @Test func pastClosesAreTheEndOfDayQuotesAndTheNextMorningsPrice() throws {
        for listing in market.symbols {
            let history = try #require(market.history(symbol: listing.symbol, days: 2, at: utc(2026, 11, 24, 10)))
            let mondayClose = market.quote(symbol: listing.symbol, at: utc(2026, 11, 23, 23, 59, 59))
            #expect(history[0].date == "2026-11-23")
            #expect(history[0].close == mondayClose)
            #expect(history[1].close == mondayClose)  // before the session opens: yesterday's close
            #expect(market.quote(symbol: listing.symbol, at: utc(2026, 11, 23, 21, 0, 0)) == mondayClose)
        }
    }

    @Test func weekendsShowFridaysClose() throws {
        for listing in market.symbols {
            let fridayClose = market.quote(symbol: listing.symbol, at: utc(2026, 11, 20, 23, 59, 59))
            for instant in [utc(2026, 11, 21, 0, 0, 0), utc(2026, 11, 21, 16), utc(2026, 11, 22, 23, 59, 59)] {
                #expect(market.quote(symbol: listing.symbol, at: instant) == fridayClose)
                let history = try #require(market.history(symbol: listing.symbol, days: 3, at: instant))
                #expect(history.map(\.date) == ["2026-11-18", "2026-11-19", "2026-11-20"])
                #expect(history.last?.close == fridayClose)
            }
            // Monday before the open still shows Friday's close.
            #expect(market.quote(symbol: listing.symbol, at: utc(2026, 11, 23, 14, 29)) == fridayClose)
        }
    }

    @Test(arguments: [1, 2, 5, 30, 100])
    func historyHasExactlyTheRequestedWeekdaysInOrder(days: Int) throws {
        for listing in market.symbols {
            let history = try #require(market.history(symbol: listing.symbol, days: days, at: tuesdayAfternoon))
            #expect(history.count == days)
            #expect(history.allSatisfy { (2...6).contains(weekday($0.date)) })
            #expect(zip(history, history.dropFirst()).allSatisfy { $0.date < $1.date })
            #expect(history.allSatisfy { $0.close.minorUnits > 0 })
        }
    }

    @Test func zeroOrNegativeDaysGiveAnEmptyHistory() {
        #expect(market.history(symbol: "AAPL", days: 0, at: tuesdayAfternoon) == [])
        #expect(market.history(symbol: "AAPL", days: -3, at: tuesdayAfternoon) == [])
    }

    @Test func pricesMoveDuringTheSession() {
        for listing in market.symbols {
            var prices = Set<Price>()
            for minute in stride(from: 0, to: 390, by: 13) {
                prices.insert(market.quote(symbol: listing.symbol, at: utc(2026, 11, 24, 14, 30 + minute))!)
            }
            #expect(prices.count > 10, "\(listing.symbol) barely moved")
        }
    }

    @Test func pricesStayPositivePlausibleAndInCentsForDecades() {
        for listing in market.symbols {
            let start = market.quote(symbol: listing.symbol, at: utc(2026, 1, 5, 16))!.minorUnits
            for year in stride(from: 1990, through: 2099, by: 3) {
                for instant in [utc(year, 3, 10, 15, 47), utc(year, 9, 1, 23)] {
                    let price = market.quote(symbol: listing.symbol, at: instant)!.minorUnits
                    #expect(price > 0)
                    #expect(price % 100 == 0)  // whole cents, so at most 4 decimals a fortiori
                    #expect(price > start / 4 && price < start * 4, "\(listing.symbol) \(year): \(price)")
                }
            }
        }
    }

    @Test func timesOutsideTheSupportedRangeAreClamped() {
        #expect(market.quote(symbol: "AAPL", at: utc(1900, 1, 1)) == market.quote(symbol: "AAPL", at: utc(1990, 1, 1)))
        #expect(market.quote(symbol: "AAPL", at: .distantFuture) == market.quote(symbol: "AAPL", at: utc(2099, 12, 31, 23, 59, 59)))
        #expect(market.history(symbol: "AAPL", days: 30, at: utc(1990, 1, 3))?.count == 3)
    }
}
