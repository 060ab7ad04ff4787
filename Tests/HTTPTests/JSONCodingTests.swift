import Testing
@testable import Routing

/// The top-level member scan behind `JSONCoding.rawMember` and the duplicate-member 400.
@Suite("JSONCoding")
struct JSONCodingTests {
    static let duplicates: [(json: String, duplicate: String?)] = [
        (#"{"a":1,"b":2}"#, nil),
        (#"{"a":1,"a":2}"#, "a"),
        (#"{"a":1,"\u0061":2}"#, "a"),
        (#" { "a" : 1 , "b" : { "a" : 2 } , "c" : [ {"a":3} ] } "#, nil),
        (#"{"a":"x\",\"a\":1","b":2}"#, nil),
        (#"{"a":{"b":1,"b":2}}"#, nil),
        (#"{}"#, nil),
        (#"[1,1]"#, nil),
        (#"{"a":1,"a":2"#, nil),
    ]

    @Test("finds a member named twice at the top level, escapes decoded", arguments: duplicates.indices)
    func duplicateMember(_ index: Int) {
        let row = Self.duplicates[index]
        #expect(JSONCoding.duplicateMember(in: Array(row.json.utf8)) == row.duplicate, "\(row.json)")
    }

    @Test("gives a member's raw value text, found by its decoded name")
    func rawMember() {
        let body = Array(#"{"note":"\"q\":9","q\u0075antity" : 3.0 ,"n":{"quantity":1}}"#.utf8)
        #expect(JSONCoding.rawMember("quantity", in: body) == "3.0")
        #expect(JSONCoding.rawMember("note", in: body) == #""\"q\":9""#)
        #expect(JSONCoding.rawMember("q", in: body) == nil)
        #expect(JSONCoding.rawMember("quantity", in: Array("[1]".utf8)) == nil)
    }
}
