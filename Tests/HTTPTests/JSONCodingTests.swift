import Testing
@testable import Routing
import HTTP

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

    /// Found by the json-members fuzz target: JSONDecoder takes a trailing comma, which the member
    /// scan (RFC 8259 §4 grammar) refuses, so the duplicate check was skipped and the decoder picked
    /// one of the two names.
    @Test("a body the member scan refuses is a 400, even where JSONDecoder would take it",
          arguments: [#"{"username":"a","password":"b","username":"c",}"#, #"{"username":"a","password":"b",}"#])
    func laxJSONIsRefused(_ json: String) throws {
        struct Credentials: Decodable { let username: String; let password: String }
        let request = HTTPRequest(method: "POST", target: "/", body: Array(json.utf8))
        #expect(throws: HTTPError.self, "\(json)") { try JSONCoding.decode(Credentials.self, from: request) }
    }
}
