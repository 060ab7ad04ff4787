import Testing
@testable import TradeService

/// The quote's `price` is read the same whether the body takes the plain path or JSONDecoder's.
@Suite struct StockPriceClientTests {
    /// `(body, price text or nil, why)`.
    static let rows: [(String, String?, String)] = [
        (#"{"as_of":"2026-12-07T17:00:00Z","currency":"USD","price":"123.45","source":"simulated","symbol":"KO"}"#, "123.45",
         "the stock service's quote (plain path)"),
        (#"{"price":"1.5","note":"caf\u00e9"}"#, "1.5", "an escape elsewhere: JSONDecoder's path"),
        (#"{"price":"1.5","nested":{"a":[1,2]}}"#, "1.5", "nesting: JSONDecoder's path"),
        (#"{"symbol":"KO"}"#, nil, "no price"),
        (#"{"price":12.5}"#, nil, "a number, not a string"),
        ("not json", nil, "not JSON"),
    ]

    @Test("reads the price text", arguments: rows.indices)
    func priceText(_ index: Int) {
        let (body, expected, why) = Self.rows[index]
        #expect(StockPriceClient.priceText(Array(body.utf8)) == expected, "\(why)")
    }
}
