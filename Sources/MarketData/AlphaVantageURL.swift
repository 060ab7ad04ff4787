/// Builds provider request URLs.
enum AlphaVantageURL {
    /// `baseURL` plus the percent-encoded query, joined with `?`, or `&` when `baseURL` already has a
    /// query (nothing when it already ends in `?` or `&`).
    static func make(baseURL: String, query: [(String, String)]) -> String {
        let encoded = query.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
        let separator: String
        if baseURL.hasSuffix("?") || baseURL.hasSuffix("&") {
            separator = ""
        } else {
            separator = baseURL.contains("?") ? "&" : "?"
        }
        return baseURL + separator + encoded
    }

    /// Encodes everything but RFC 3986 §2.3 unreserved characters, byte by byte over UTF-8, so that `&`,
    /// `=`, `+` and `#` in a symbol or key cannot change the query's structure.
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
