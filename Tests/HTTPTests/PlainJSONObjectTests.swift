import Foundation
import Testing
@testable import Routing

/// The JSONDecoder-free reader of small flat bodies: what it takes, JSONDecoder reads as the same
/// values; everything else is left to JSONDecoder (nil).
@Suite struct PlainJSONObjectTests {
    /// `(json, members or nil, why)`.
    static let rows: [(String, [(String, PlainJSONObject.Value)]?, String)] = [
        (#"{"symbol":"KO","quantity":1}"#, [("symbol", .string("KO")), ("quantity", .integer(1))], "an order"),
        (" \t\r\n{ \"a\" : \"x/y z\" , \"b\" : -0 }\n ", [("a", .string("x/y z")), ("b", .integer(0))], "whitespace, a slash, -0"),
        (#"{}"#, [], "empty object"),
        (#"{"n":999999999999999999}"#, [("n", .integer(999_999_999_999_999_999))], "18 digits"),
        (#"{"n":-999999999999999999}"#, [("n", .integer(-999_999_999_999_999_999))], "18 digits, negative"),
        (#"{"n":1000000000000000000}"#, nil, "19 digits: JSONDecoder's to range-check"),
        (#"{"n":99999999999999999999}"#, nil, "20 nines: refused before the value could overflow"),
        (#"{"n":-99999999999999999999}"#, nil, "20 nines, negative"),
        (#"{"n":01}"#, nil, "a leading zero is not JSON"),
        (#"{"n":1.0}"#, nil, "a fraction"),
        (#"{"n":1e2}"#, nil, "an exponent"),
        (#"{"n":-}"#, nil, "a lone minus"),
        (#"{"n":+1}"#, nil, "a plus sign is not JSON"),
        (#"{"n":true}"#, nil, "a literal"),
        (#"{"n":null}"#, nil, "null"),
        (#"{"n":{"a":1}}"#, nil, "nesting"),
        (#"{"n":[1]}"#, nil, "an array"),
        (#"{"s":"a\"b"}"#, nil, "an escape in a value"),
        (#"{"\u0061":1}"#, nil, "an escape in a name"),
        ("{\"s\":\"K\u{D6}\"}", nil, "non-ASCII"),
        ("{\"s\":\"a\tb\"}", nil, "a raw control character is not JSON"),
        (#"{"a":1,"a":2}"#, nil, "a name twice: the duplicate check answers it"),
        (#"{"a":1,}"#, nil, "a trailing comma"),
        (#"{"a":1} x"#, nil, "bytes after the object"),
        (#"{"a":1}{"#, nil, "a second object"),
        (#"{"a":1"#, nil, "unterminated"),
        (#"{"a" 1}"#, nil, "no colon"),
        (#"{"a":1 "b":2}"#, nil, "no comma"),
        (#"{"a":"x}"#, nil, "unterminated string"),
        (#"[1]"#, nil, "not an object"),
        ("", nil, "empty body"),
        (#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8}"#,
         [("a", .integer(1)), ("b", .integer(2)), ("c", .integer(3)), ("d", .integer(4)), ("e", .integer(5)),
          ("f", .integer(6)), ("g", .integer(7)), ("h", .integer(8))], "membersMax members"),
        (#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9}"#, nil, "one more than membersMax"),
    ]

    @Test("reads the subset and leaves the rest to JSONDecoder", arguments: rows.indices)
    func reads(_ index: Int) {
        let (json, expected, why) = Self.rows[index]
        let object = PlainJSONObject(Array(json.utf8))
        #expect(object.map { $0.members.map(\.name) } == expected.map { $0.map(\.0) }, "\(why)")
        #expect(object.map { $0.members.map(\.value) } == expected.map { $0.map(\.1) }, "\(why)")
    }

    /// Every accepted row decodes to the same values through JSONDecoder.
    @Test("what it accepts, JSONDecoder reads the same", arguments: rows.indices)
    func agreesWithJSONDecoder(_ index: Int) throws {
        let (json, expected, _) = Self.rows[index]
        guard let expected else { return }
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(decoded?.count == expected.count)
        for (name, value) in expected {
            switch value {
            case .string(let text): #expect(decoded?[name] as? String == text)
            case .integer(let number): #expect((decoded?[name] as? NSNumber)?.int64Value == number)
            }
        }
    }

    @Test("a member is found by name")
    func subscriptByName() {
        let object = PlainJSONObject(Array(#"{"price":"123.45","symbol":"KO"}"#.utf8))
        #expect(object?["price"] == .string("123.45"))
        #expect(object?["missing"] == nil)
    }
}
