import Money

/// One trading day's closing price.
///
/// `Codable` by hand, with the close as a decimal string ("232.16"), because `Price` itself promises no
/// `Codable` conformance and a JSON number would invite a trip through `Double`.
public struct DailyClose: Sendable, Equatable, Codable {
    /// The trading day, `YYYY-MM-DD` (UTC for the simulated market, US/Eastern for the provider).
    public let date: String
    /// The close (for today's row of the simulated market: the price so far).
    public let close: Price

    /// Creates a row; callers pass a valid `YYYY-MM-DD` date.
    public init(date: String, close: Price) {
        self.date = date
        self.close = close
    }

    private enum CodingKeys: String, CodingKey { case date, close }

    /// Decodes `{"date": "YYYY-MM-DD", "close": "123.45"}`, rejecting a bad date or price.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let date = try container.decode(String.self, forKey: .date)
        let closeText = try container.decode(String.self, forKey: .close)
        guard UTCCalendar.isValidISODate(date) else {
            throw DecodingError.dataCorruptedError(forKey: .date, in: container, debugDescription: "not YYYY-MM-DD")
        }
        guard let close = Price(parsing: closeText) else {
            throw DecodingError.dataCorruptedError(forKey: .close, in: container, debugDescription: "not a price")
        }
        self.init(date: date, close: close)
    }

    /// Encodes the close as its decimal string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(date, forKey: .date)
        try container.encode(close.description, forKey: .close)
    }
}
