import Foundation
import Testing
@testable import HTTP

/// Every input a fuzz target (Tests/Fuzz, `scripts/fuzz`) ever failed on, kept as a table row fed
/// whole, at every split point and byte by byte (``ParserHarness``).
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let longTarget = "/" + String(repeating: "a", count: 8200)
    static let longValue = String(repeating: "v", count: 33 * 1024)

    /// Found by request-parser: the limits were checked after the bare-LF check when the LF was in
    /// the same read, and before it (no LF yet) when it was not: 400 whole, 414/431 in pieces.
    static let limitBeforeBareLF: [(bytes: String, expected: Outcome, why: String)] = [
        ("GET " + longTarget + " HTTP/1.1\nHost: a\r\n\r\n", .rejected(414),
         "a request line over the limit ending in a bare LF is 414 however it arrives"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: " + longValue + "\n\r\n", .rejected(431),
         "a field section over the limit with a bare LF after it is 431 however it arrives"),
        ("GET / HTTP/1.1\nHost: a\r\n\r\n", .rejected(400), "a bare LF within the limits is still 400"),
    ]

    @Test("the status of a rejected head does not depend on where the stream was cut",
          arguments: limitBeforeBareLF.map(ParserRow.init))
    func limitBeforeBareLFRows(row: ParserRow) {
        row.check(limits: HTTPLimits())
    }

    /// Found by response-parser: a status outside 100-599 (`020`) was accepted and relayed as `20`;
    /// a fourth digit or a non-digit minor version was read past.
    static let badStatusLines: [(bytes: String, why: String)] = [
        ("HTTP/1.0 020 OK\r\nContent-Length: 0\r\n\r\n", "status 020 (below 100)"),
        ("HTTP/1.1 600 X\r\nContent-Length: 0\r\n\r\n", "status 600"),
        ("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", "four-digit status"),
        ("HTTP/1.x 200 OK\r\nContent-Length: 0\r\n\r\n", "non-digit minor version"),
    ]

    @Test("a response whose status line is not HTTP/1.d SP 3DIGIT (100-599) is malformed at every split",
          arguments: badStatusLines.map(\.bytes))
    func badStatusLine(_ text: String) {
        let bytes = Array(text.utf8)
        for split in 0..<bytes.count {
            let outcome = ResponseParserTests.feed([Array(bytes[0..<split]), Array(bytes[split...])])
            #expect(outcome == .failure, "split at \(split) gave \(String(describing: outcome))")
        }
        #expect(ResponseParserTests.feed([Array("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n".utf8)])
                == .response(status: 599, body: "", keepAlive: true))
        #expect(ResponseParserTests.feed([Array("HTTP/1.1 204\r\n\r\n".utf8)])
                == .response(status: 204, body: "", keepAlive: true))
    }

    /// Found by response-parser (mode: byte by byte): 76 short field lines, then a body read until
    /// close. The harness held 41,049 bytes for the 2,045-byte stream (bound 16 x + 8 KiB), 16 KiB of
    /// them its own copy of the 2,045 split points; it no longer copies them, and the parser's own
    /// memory stayed linear. The stream parses the same whole, at every split and byte by byte.
    static let manyFieldLines = Array(Data(base64Encoded: [
        "SFRUUC8xLjAgMjAwIE9LSw0KQ2lvbjpLSw0KQ29ubmVjdGlvbjoNCkNvbm5lY3Rpb246IGtlZ3ppcCwgY2gqMAENCkNvbm5lY3Rp",
        "b246IGtlZ3ppcCwgY2gwAQAAaW9uOktLDQpDb25uZWN0eW9uOg0KQ29ubmVjdGlvbjoga2VnemlwLCBjIDIwMCBPS0sNCkNpb246",
        "S0sNCkNvbm5lY3Rpb246DQpDb25uZWN0aW9uOiBrZWd6aXAsIGNoKjABDQpDb25uZWN0aW9uOiBrZWd6aXAsIGNoAAAAAAAAAAAA",
        "AAAAAAAAAAAAAABuOiBrZWd6aXAsIGNoMAEAAGlvbjpLSw0KQ29ubmVjdHlvbjoNCkNvbm5lY3Rpb246IGtlZ3ppcCwgYyAyMDAg",
        "T0tLDQpDaW9uOktLDQpDb25uZWN0aW9uOg0KQ29ubmVjdGlvbjoga2VnemlwLCBjaCowAQ0KQ28BAAAAbm5lY3Rpb246IGtlZ3pp",
        "cCwgY2gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABjdHkAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAENvbm5lQ2lvbjpLSw0KQ29ubmVjdGlvbjoNCkNvbm5lY3Rpb246IGtlZ3ppcCwgY2gqMDANCkNvbm5lY3Rp",
        "b246IGtlZ3ppcCwgY2gwAQAAaW9uOktLDQpDb25uZWN0eW9uOg0KQ29ubmVjdGlvbjoka2VnemlwLCBjIDIwMCBPS0sNCkNpb246",
        "S0sNCkNvbm5lY3Rpb246DQpDb25uZWN0aTFvbjoga2VnAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAGN0eQAAAGNoKjABDQpD",
        "b25uZWN0aW9uOiBrZWd6aXAsIGNoMAEAAGlvbjpLSw0KQ29ubmVjdHlvbjoNCkNvbm5lY3Rpb246IGtlZ3ppcCwgYyAyMDAgT0tL",
        "DQpDaW9uOktLDQpDb25uZWN0aW9uOg0KQ28AAAAAAAAAAAAAAAAAAGN0eQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Q29ubmVDaW9uOktLDQpDb25uZWN0aW9uOg0KQ29ubmVjdGlvbjoga2VnemlwLCBjaCowMA0KQ29ubmVjdGlvbjoga2VnemlwLCBj",
        "aDABAABpb246S0sNCkNvbm5lY3R5b246DQpDb25uZWN0aW9uOiRrZWd6aXAsIGMgMjAwIE9LSw0KQ2lvbjpLSw0KQ29ubmVjdGlv",
        "bjoNCkNvbm5lY3RpMW9uOiBrZWcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAY3R5AAAAY2gqMAENCkNvbm5lY3Rpb246IGtl",
        "Z3ppcCwgY2gwAQAAaW9uOktLDQpDb25uZWN0eW9uOg0KQ29ubmVjdGlvbjoga2VnemlwLCBjIDIwMCBPS0sNCkNpb246S0sNCkNv",
        "bm5lY3Rpb246DQpDb25uZWN0aW9uOiBrZWd6aXAsIGNoKjABDQpDb25uZWN0aW9uOiBrZWd6aXAsIGNoAAAAAAAAAAAAAAAAAAAA",
        "AAAAAABuOiBrZWd6aXAsIGNoMAEAAGlvbjpLSw0KQ29ubmVjdHlvbjoNCkNvbm5lY3Rpb246IGtlZ3ppSEVBRG5uZWN0aW9uOiBr",
        "ZWd6aXAsIGNoKjABDQpDb25uZWN0aW9uOiBrZWd6aXAsIGNoAAAAAAAAAAAAAAAAAAAAAAAAAABuOiBrZWd6aXAsIGNoMAEAAGlv",
        "bjpLSw0KQ29ubmVjdHlvbjoNCkNvbm5lY3Rpb246IGtlZ3ppSEVBRCAyMDAgT0tLDQpDaW9uOktLDQpDb25uZWN0aW9uOg0KQ29u",
        "bmVjdGlvbjoga2VnemlwLCBjaCowAQ0KQ28BAAAAbm5lY3Rpb246IGtlZ3ppcCwgY2gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAABVbnNhZmVNdQAAAAAAAABjdHkAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAENvbm5lQ2lvbjpLSw0KQ29u",
        "bmVjdGlvbjoNCkNvbm5lY3Rpb246IGtlZ3ppcCwgY2gqMDANCkNvbm5lY3Rpb246IGtlZ3ppcCwgY2gwAQAAaW9uOktLDQpDb25u",
        "ZWN0eW9uOg0KQ29ubmVjdGlvbjoka2VnemlwLCBjIDIwMCBPS0sNCkNpb246S0sNCkNvbm5lY3Rpb246DQpDb25uZWN0aW9uOiBr",
        "ZWcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAY3R5AAAAAABvbjpLSw0KQ29ubmVjdHlvbjoNCkNvbm5lY3Rpb246JGtlZ3pp",
        "cCwgYyAyMDAgT0tLDQpDaW9uOktLDQpDb24AAG9uOktLDQpDb25uZWN0eW9uOg0KQ29ubmVjdGlvbjoka2VnemlwLCBjIDIwMCBP",
        "S0sNCkNpb246S0sNCkNvbm5lY3Rpb246DQpDb25uZWN0aW9uOiBrZWd6aXAsIGNoKjABDQpDb25uZWN0aW9uOiBrZWd6aXAsIGNo",
        "MAEAAGlvbjpLSw0KAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA6IGtlZXAtYWxpdmVrZWd6aXAsIGgwAQ0KQ29ubmVjdGlvbjoga2Vl",
        "cC1hbGl2ZWtlZ3ppcCwgAA0KDQo=",
    ].joined())!)

    @Test("a head of many short field lines and a body read until close, however it arrives")
    func manyFieldLinesAnyFeed() {
        let bytes = Self.manyFieldLines
        let whole = ResponseParserTests.feed([bytes])
        #expect(whole != nil && whole != .failure, "whole gave \(String(describing: whole))")
        for split in stride(from: 0, to: bytes.count, by: 7) {
            let pieces = ResponseParserTests.feed([Array(bytes[0..<split]), Array(bytes[split...])])
            #expect(pieces == whole, "split at \(split) gave \(String(describing: pieces))")
        }
        #expect(ResponseParserTests.feed(bytes.map { [$0] }) == whole)
    }
}
