import Testing
@testable import HTTP

/// The chunked decoder, through the request parser (its only user), at every split point, and
/// directly for the byte counts that keep pipelined requests intact.
@Suite("ChunkedDecoder")
struct ChunkedDecoderTests {
    static let limits = RequestParserTests.limits  // body limit 100
    static let head = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"

    static let accepted: [(bytes: String, expected: Outcome, why: String)] = [
        (head + "5;name=value;q=\"x y\"\r\nhello\r\n6 ; n=v\r\n world\r\n0\r\nX-Trailer: 1\r\nY:2\r\n\r\n",
         .ok(.post("/c", body: "hello world")), "extensions, BWS before ';', and trailers are accepted and dropped"),
        (head + "A\r\n0123456789\r\n0\r\n\r\nGET /n HTTP/1.1\r\nHost: a\r\n\r\n",
         .ok(.post("/c", body: "0123456789"), .get("/n")), "upper-case hex; the next request starts right after the last chunk"),
        (head + "00000000003\r\nabc\r\n0\r\n\r\n", .ok(.post("/c", body: "abc")), "leading zeros in a size"),
        (head + "0\r\n\r\n", .ok(.post("/c", body: "")), "an empty chunked body"),
        (head + "40\r\n" + String(repeating: "x", count: 64) + "\r\n24\r\n" + String(repeating: "y", count: 36) + "\r\n0\r\n\r\n",
         .ok(.post("/c", body: String(repeating: "x", count: 64) + String(repeating: "y", count: 36))), "a decoded total of exactly the limit"),
        ("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n1\r\nz\r\n0\r\n\r\n",
         .ok(.post("/c", body: "z", continues: true)), "chunked with Expect asks for 100 Continue"),
        (head + "5\r\nhel", .unfinished(), "a body cut in a chunk waits"),
        (head + "5\r\nhello\r\n0\r\n", .unfinished(), "a body without the final empty line waits"),
    ]

    static let rejected: [(bytes: String, expected: Outcome, why: String)] = [
        (head + "+a\r\n0123456789\r\n0\r\n\r\n", .rejected(400), "UInt64(\"+a\", radix: 16) is 10; 1*HEXDIG is not"),
        (head + "0x5\r\nhello\r\n0\r\n\r\n", .rejected(400), "0x prefix"),
        (head + "-1\r\n", .rejected(400), "negative size"),
        (head + " 5\r\nhello\r\n0\r\n\r\n", .rejected(400), "whitespace before the size"),
        (head + ";e\r\n", .rejected(400), "extension without a size"),
        (head + "5 \r\nhello\r\n0\r\n\r\n", .rejected(400), "BWS not followed by an extension"),
        (head + "5\nhello\r\n0\r\n\r\n", .rejected(400), "bare LF after the size"),
        (head + "5\rhello\r\n0\r\n\r\n", .rejected(400), "CR without LF after the size"),
        (head + "5;a\u{1}b\r\nhello\r\n0\r\n\r\n", .rejected(400), "control byte in an extension"),
        (head + "5\r\nhelloX\r\n0\r\n\r\n", .rejected(400), "chunk data longer than its size (missing CRLF)"),
        (head + "5\r\nhello\r0\r\n\r\n", .rejected(400), "chunk data followed by CR without LF"),
        (head + "5\r\nhello\n0\r\n\r\n", .rejected(400), "chunk data followed by a bare LF"),
        (head + "10000000000000000\r\n", .rejected(400), "size overflows Int (17 hex digits)"),
        (head + "8000000000000000\r\n", .rejected(400), "size 2^63 overflows Int"),
        (head + "7FFFFFFFFFFFFFFF\r\n", .rejected(413), "Int.max fits the parser but not the body limit"),
        (head + String(repeating: "0", count: 5000) + "1\r\n", .rejected(400), "size line longer than chunkLineBytesMax"),
        (head + "0\r\nX: 1\r\n folded\r\n\r\n", .rejected(400), "obs-fold in the trailer section"),
        (head + "0\r\nNoColon\r\n\r\n", .rejected(400), "trailer line without a colon"),
        (head + "0\r\nX : 1\r\n\r\n", .rejected(400), "space before a trailer's colon"),
        (head + "0\r\nX: a\u{0}\r\n\r\n", .rejected(400), "NUL in a trailer value"),
        (head + "0\r\nX: 1\n\r\n", .rejected(400), "bare LF ending a trailer"),
        (head + "0\r\n\rX: 1\r\n\r\n", .rejected(400), "bare CR at the start of a trailer line (RFC 9112 §2.2)"),
        (head + "0\r\nX: 1\r\n\r\r\n", .rejected(400), "bare CR before the trailer section's empty line"),
        (head + "0\r\nX: a\rb\r\n\r\n", .rejected(400), "bare CR in a trailer value"),
        (head + "0\r\nX\r: 1\r\n\r\n", .rejected(400), "bare CR in a trailer name"),
        (head + "5;a\rb\r\nhello\r\n0\r\n\r\n", .rejected(400), "bare CR in a chunk extension"),
        (head + "5\r\nhello\r\n0\r\r\n\r\n", .rejected(400), "bare CR after the last chunk's size"),
        (head + "0\r\n" + String(repeating: "T: v\r\n", count: 101) + "\r\n", .rejected(431), "101 trailer fields"),
        (head + "0\r\nT: " + String(repeating: "v", count: 33 * 1024) + "\r\n\r\n", .rejected(431), "trailer section over 32 KiB"),
        (head + "65\r\n" + String(repeating: "x", count: 101) + "\r\n0\r\n\r\n", .rejected(413), "one chunk over the limit"),
        (head + "40\r\n" + String(repeating: "x", count: 64) + "\r\n25\r\n" + String(repeating: "y", count: 37) + "\r\n0\r\n\r\n",
         .rejected(413), "chunks summing to one byte over the limit"),
    ]

    @Test("accepts valid chunked bodies identically at every split point", arguments: accepted.map(ParserRow.init))
    func acceptsAtEverySplit(row: ParserRow) {
        row.check(limits: Self.limits)
    }

    @Test("rejects malformed or oversized chunked bodies identically at every split point", arguments: rejected.map(ParserRow.init))
    func rejectsAtEverySplit(row: ParserRow) {
        row.check(limits: Self.limits)
    }

    @Test("stops exactly after the last chunk's empty line, leaving the next request unconsumed")
    func consumedStopsAtTheEnd() {
        var decoder = ChunkedDecoder()
        var body: [UInt8] = []
        let input = Array("3\r\nabc\r\n0\r\n\r\nGET".utf8)
        let (consumed, outcome) = input.withUnsafeBytes { decoder.decode($0, into: &body, limits: Self.limits) }
        #expect(outcome == .done)
        #expect(consumed == input.count - 3)
        #expect(body == Array("abc".utf8))
    }

    @Test("reports the offending byte's index on failure")
    func failureIndex() {
        var decoder = ChunkedDecoder()
        var body: [UInt8] = []
        let input = Array("2\r\nabX".utf8)
        let (consumed, outcome) = input.withUnsafeBytes { decoder.decode($0, into: &body, limits: Self.limits) }
        #expect(outcome == .failure(.badRequest("chunk data longer than its size")))
        #expect(consumed == 5)
    }
}
