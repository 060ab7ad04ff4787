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
}
