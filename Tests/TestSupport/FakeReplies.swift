/// Alpha Vantage reply bodies, copied from shared/alpha-vantage.md.
enum FakeReplies {
    static let note = #"{"Note": "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute and 500 calls per day. Please visit https://www.alphavantage.co/premium/ if you would like to target a higher API call frequency."}"#
    static let information = #"{"Information": "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day. Please subscribe to any of the premium plans at https://www.alphavantage.co/premium/ to instantly remove all daily rate limits."}"#
    static let emptyQuote = #"{"Global Quote": {}}"#

    static func errorMessage(_ function: String) -> String {
        #"{"Error Message": "Invalid API call. Please retry or visit the documentation (https://www.alphavantage.co/documentation/) for "#
            + escape(function) + #"."}"#
    }

    static func quote(symbol: String, price: String, day: String) -> String {
        let p = escape(price)
        return #"{"Global Quote": {"01. symbol": ""# + escape(symbol) + #"", "02. open": ""# + p
            + #"", "03. high": ""# + p + #"", "04. low": ""# + p + #"", "05. price": ""# + p
            + #"", "06. volume": "3124528", "07. latest trading day": ""# + escape(day)
            + #"", "08. previous close": ""# + p + #"", "09. change": "0.0000", "10. change percent": "0.0000%"}}"#
    }

    /// Rows newest first, as the provider sends them; open, high and low repeat the close.
    static func dailySeries(symbol: String, rows: [(String, String)]) -> String {
        let sorted = rows.sorted { $0.0 > $1.0 }
        let lastRefreshed = sorted.first?.0 ?? ""
        let body = sorted.map { date, close in
            let c = escape(close)
            return "\"" + escape(date) + #"": {"1. open": ""# + c + #"", "2. high": ""# + c + #"", "3. low": ""#
                + c + #"", "4. close": ""# + c + #"", "5. volume": "2874410"}"#
        }.joined(separator: ",\n  ")
        return #"{"Meta Data": {"1. Information": "Daily Prices (open, high, low, close) and Volumes", "2. Symbol": ""#
            + escape(symbol) + #"", "3. Last Refreshed": ""# + escape(lastRefreshed)
            + #"", "4. Output Size": "Compact", "5. Time Zone": "US/Eastern"},"# + "\n"
            + #" "Time Series (Daily)": {"# + "\n  " + body + "}}"
    }

    /// JSON string escaping for values echoed from requests or tests.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += unicodeEscape(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func unicodeEscape(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
