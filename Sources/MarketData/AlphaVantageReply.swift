/// The parts of an Alpha Vantage reply that the parser reads; every field optional so that one type
/// decodes success and failure replies alike. Values stay `String`: prices are never a JSON number
/// here, and a number where a string belongs fails decoding (unexpected shape) rather than rounding.
struct AlphaVantageReply: Decodable {
    struct GlobalQuote: Decodable {
        let symbol: String?
        let price: String?
        let latestTradingDay: String?

        enum CodingKeys: String, CodingKey {
            case symbol = "01. symbol"
            case price = "05. price"
            case latestTradingDay = "07. latest trading day"
        }
    }

    struct DailyRow: Decodable {
        let close: String?

        enum CodingKeys: String, CodingKey { case close = "4. close" }
    }

    let errorMessage: String?
    let note: String?
    let information: String?
    let globalQuote: GlobalQuote?
    let timeSeries: [String: DailyRow]?

    enum CodingKeys: String, CodingKey {
        case errorMessage = "Error Message"
        case note = "Note"
        case information = "Information"
        case globalQuote = "Global Quote"
        case timeSeries = "Time Series (Daily)"
    }
}
