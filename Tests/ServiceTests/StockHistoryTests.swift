import Foundation
import TestSupport
import Testing

/// `GET /stocks/{symbol}/history?days=N` in live mode (API.md "Stock"): order, bounds, caching.
@Suite struct StockHistoryTests {
    typealias F = AuthStockFixtures

    /// 40 weekdays of closes from 2026-09-01, `close = 100 + index` with 4 decimals.
    static let rows: [(String, String)] = {
        var rows: [(String, String)] = []
        let start = Date(timeIntervalSince1970: 1_788_220_800)  // 2026-09-01T00:00:00Z, a Tuesday
        var day = 0
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.locale = Locale(identifier: "en_US_POSIX")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        while rows.count < 40 {
            let date = start.addingTimeInterval(TimeInterval(day * 86_400))
            let weekday = calendar.component(.weekday, from: date)
            if weekday != 1 && weekday != 7 { rows.append((formatter.string(from: date), "\(100 + rows.count).2500")) }
            day += 1
        }
        return rows
    }()

    static func prices(_ reply: TestClient.Reply) -> [(date: String, close: String)] {
        ((reply.json["prices"] as? [[String: Any]]) ?? []).map { ($0["date"] as? String ?? "?", $0["close"] as? String ?? "?") }
    }

    /// `(query, expected count)`: counts taken from the most recent end, oldest first.
    static let dayRows: [(String, Int)] = [("", 30), ("?days=1", 1), ("?days=5", 5), ("?days=30", 30),
                                           ("?days=40", 40), ("?days=100", 40), ("?days=007", 7)]

    @Test func historyIsTheMostRecentDaysOldestFirst() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        // Shuffled on purpose: the fake sends newest first whatever the order here.
        fake.setHistory(symbol: "IBM", closes: Self.rows.reversed())
        try await F.withStock(providerURL: fake.baseURL, clock: F.MovableClock()) { stock in
            for (query, count) in Self.dayRows {
                let reply = try await stock.client.get("/stocks/ibm/history" + query)
                #expect(reply.status == 200, "\(query): \(reply.text)")
                #expect(Set(reply.json.keys) == ["symbol", "prices"])
                #expect(reply.string("symbol") == "IBM")
                let prices = Self.prices(reply)
                let expected = Array(Self.rows.suffix(count))
                #expect(prices.map(\.date) == expected.map(\.0), "\(query)")
                #expect(prices.map(\.close) == expected.map { String($0.1.dropLast(2)) }, "\(query): 2 to 4 decimals")
                #expect(prices.map(\.date) == prices.map(\.date).sorted(), "\(query): oldest first")
            }
            // One provider call: later requests within the TTL read the stored series.
            #expect(fake.callCount(function: "TIME_SERIES_DAILY", symbol: "IBM") == 1)
        }
    }

    /// `(raw days, why)`: only plain digits from 1 to 100.
    static let badDays: [(String, String)] = [
        ("0", "zero"), ("101", "above 100"), ("+5", "a plus sign"), ("-5", "negative"), ("5.0", "a decimal"),
        ("abc", "a word"), ("", "empty"), ("%205", "a leading space"), ("5%20", "a trailing space"), ("1e1", "an exponent"),
        ("0x10", "hex"), ("99999999999999999999", "overflow"), ("%EF%BC%95", "a full-width digit"),
    ]

    @Test func badDaysAre400BeforeAnyProviderCall() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setHistory(symbol: "IBM", closes: Self.rows)
        try await F.withStock(providerURL: fake.baseURL, clock: F.MovableClock()) { stock in
            for (days, why) in Self.badDays {
                let reply = try await stock.client.get("/stocks/IBM/history?days=\(days)")
                F.expectProblem(reply, status: 400, type: "/problems/invalid-request", "days=\(days): \(why)")
            }
            #expect(fake.requests.isEmpty, "malformed requests never reach the provider")
        }
    }

    @Test func historyIsRefetchedAfterTheTTLAndTheStoredSeriesServesAFailure() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setHistory(symbol: "IBM", closes: Array(Self.rows.prefix(10)))
        let clock = F.MovableClock()
        try await F.withStock(providerURL: fake.baseURL, clock: clock, ["QUOTE_TTL_SECONDS": "60"]) { stock in
            let first = try await stock.client.get("/stocks/IBM/history?days=100")
            #expect(Self.prices(first).count == 10)

            fake.setHistory(symbol: "IBM", closes: Array(Self.rows.prefix(12)))
            clock.advance(seconds: 30)
            #expect(Self.prices(try await stock.client.get("/stocks/IBM/history?days=100")).count == 10, "within the TTL")
            clock.advance(seconds: 31)
            let refreshed = try await stock.client.get("/stocks/IBM/history?days=100")
            #expect(Self.prices(refreshed).map(\.date) == Self.rows.prefix(12).map(\.0), "past the TTL: fetched again")
            #expect(fake.callCount(function: "TIME_SERIES_DAILY", symbol: "IBM") == 2)

            clock.advance(seconds: 120)
            fake.setMode(.http500)
            let stale = try await stock.client.get("/stocks/IBM/history?days=3")
            #expect(stale.status == 200)
            #expect(Self.prices(stale).map(\.date) == Self.rows[9..<12].map(\.0), "the stored series, newest 3")
        }
    }
}
