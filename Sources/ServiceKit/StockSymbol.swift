import HTTP

/// Ticker symbols as the contract defines them: 1 to 10 characters of `A-Z 0-9 . -`, matched
/// case-insensitively and returned upper-case.
public enum StockSymbol {
    /// The upper-cased symbol, or `nil` when `text` is not a valid symbol.
    public static func normalize(_ text: String) -> String? {
        let bytes = text.utf8
        guard (1...10).contains(bytes.count) else { return nil }
        var upper: [UInt8] = []
        upper.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "-"):
                upper.append(byte)
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                upper.append(byte - 0x20)
            default:
                return nil
            }
        }
        return String(decoding: upper, as: UTF8.self)
    }
}

extension StockSymbol {
    /// 404 `/problems/unknown-symbol`: a well-formed symbol the market does not know. One kind for
    /// stock, which answers it, and trade, which passes stock's answer on; defined here, once.
    public static let unknownProblem = ProblemType(404, "/problems/unknown-symbol", title: "Unknown symbol")

    /// The detail of ``unknownProblem`` for `symbol` (already normalized).
    public static func unknownDetail(_ symbol: String) -> String { "No stock has the symbol \(symbol)." }
}
