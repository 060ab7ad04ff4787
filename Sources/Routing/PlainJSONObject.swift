/// A JSON object read without `JSONDecoder`, for the hottest bodies (an order's
/// `{"symbol":"KO","quantity":1}`, the stock service's quote), where the decoder cost more than
/// the rest of their parsing (bench/RESULTS.md).
///
/// Only a narrow subset is taken: an object whose members are all plain strings (printable ASCII,
/// no escape) or integers (`-?(0|[1-9][0-9]*)`, at most 18 digits), every name plain and unique,
/// at most ``membersMax`` of them, nothing but whitespace around it. Anything else is `nil` and
/// the caller decodes with `JSONDecoder` as before, errors and all: what this accepts, the decoder
/// reads as the same values, so the fast path changes no answer.
public struct PlainJSONObject {
    /// A member's value.
    public enum Value: Equatable, Sendable {
        case string(String)
        case integer(Int64)
    }

    /// Most members read; a larger object goes to `JSONDecoder` (bounds the work and the array).
    public static let membersMax = 8

    /// The members in body order.
    public let members: [(name: String, value: Value)]

    /// The object in `body`, or `nil` when it is outside the subset (see the type's documentation).
    public init?(_ body: [UInt8]) {
        var reader = Reader(bytes: body)
        guard let members = reader.object() else { return nil }
        self.members = members
    }

    /// The value of the member `name`, if present.
    public subscript(name: String) -> Value? {
        members.first(where: { $0.name == name })?.value
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func object() -> [(name: String, value: Value)]? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            var members: [(name: String, value: Value)] = []
            skipSpace()
            if !take(UInt8(ascii: "}")) {
                while true {
                    skipSpace()
                    guard members.count < PlainJSONObject.membersMax, let name = string() else { return nil }
                    guard !members.contains(where: { $0.name == name }) else { return nil }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    guard let value = value() else { return nil }
                    members.append((name, value))
                    skipSpace()
                    if take(UInt8(ascii: "}")) { break }
                    guard take(UInt8(ascii: ",")) else { return nil }
                }
            }
            skipSpace()
            return index == bytes.count ? members : nil
        }

        private mutating func value() -> Value? {
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") { return string().map(Value.string) }
            return integer().map(Value.integer)
        }

        /// A string of printable ASCII without `"` or `\` (RFC 8259 §7 needs no escape for those).
        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
                }
                guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
                index += 1
            }
            return nil
        }

        /// RFC 8259 §6 `int`, without fraction or exponent, of at most 18 digits (always fits `Int64`).
        private mutating func integer() -> Int64? {
            let negative = take(UInt8(ascii: "-"))
            let start = index
            var value: Int64 = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                // Counted before the digit is added: an 18-digit value times 10 plus a digit fits
                // `Int64`, a 19th digit might not (`99999999999999999999` trapped here).
                guard index - start < 18 else { return nil }
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            let digits = index - start
            guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { return nil }
            // A fraction or exponent follows: a number JSONDecoder reads its own way.
            if index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
                default: break
                }
            }
            return negative ? -value : value
        }

        private mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
    }
}
