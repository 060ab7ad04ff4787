import Testing
@testable import HTTP

/// The request parser is pure, so every message is fed at every split point (two feeds), byte
/// by byte and whole, and must give the same outcome each way: a parser that decides differently
/// depending on how TCP cut the stream is a smuggling vector.
@Suite("RequestParser")
struct RequestParserTests {
    /// The contract's wire limits, with a small body limit so 413 rows stay short.
    static let limits: HTTPLimits = {
        var limits = HTTPLimits()
        limits.bodyBytesMax = 100
        return limits
    }()

    static let target8192 = "/" + String(repeating: "a", count: 8192 - "GET / HTTP/1.1".count)
    static let target8193 = target8192 + "a"
    /// `Host: a` plus one field whose line (CRLF included) brings the section to `bytes`.
    static func section(of bytes: Int) -> String {
        "Host: a\r\nX: " + String(repeating: "v", count: bytes - 9 - 5) + "\r\n"
    }
    static func fields(_ count: Int) -> String {
        "Host: a\r\n" + (1..<count).map { "X-\($0): v\r\n" }.joined()
    }

    static let accepted: [(bytes: String, expected: Outcome, why: String)] = [
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", .ok(.get("/", fields: ["Host: a"])), "simplest 1.1 request"),
        ("GET /x?q=1 HTTP/1.1\r\nHost:a\r\nX-A: \t v  w \t\r\nX-B:\r\n\r\n",
         .ok(.get("/x?q=1", fields: ["Host: a", "X-A: v  w", "X-B: "])), "OWS around a value is trimmed, inner kept, empty value allowed"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: caf\u{e9}\r\n\r\n", .ok(.get("/", fields: ["Host: a", "X: caf\u{e9}"])), "obs-text (UTF-8) in a value is kept"),
        ("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n", .ok(.get("/a"), .get("/b")), "two pipelined requests"),
        ("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", .ok(.post("/p", body: "hello")), "Content-Length body"),
        ("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", .ok(.post("/p", body: "hello")),
         "identical repeated Content-Length is one length (RFC 9110 §8.6)"),
        ("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", .ok(.post("/p", body: "")), "zero length: no body state"),
        ("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /n HTTP/1.1\r\nHost: a\r\n\r\n",
         .ok(.post("/p", body: "abc"), .get("/n")), "a body ends exactly where the next request starts"),
        ("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + String(repeating: "b", count: 100),
         .ok(.post("/p", body: String(repeating: "b", count: 100))), "a body of exactly the limit"),
        ("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .ok(.get("/")), "empty lines before the request line are ignored (RFC 9112 §2.2)"),
        ("GET /a HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n", .ok(.get("/a"), .get("/b")),
         "a stray CRLF between pipelined requests is ignored"),
        ("GET / HTTP/1.0\r\n\r\n", .ok(.get("/", minor: 0, keepAlive: false)), "1.0 closes by default; Host is optional"),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", .ok(.get("/", minor: 0, keepAlive: true)), "1.0 keeps alive on request"),
        ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", .ok(.get("/", minor: 0, keepAlive: false)), "close beats keep-alive in 1.0"),
        ("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n", .ok(.get("/", keepAlive: false)), "close token in a list, any case"),
        ("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", .ok(.get("/", keepAlive: true)), "1.1 keep-alive is the default anyway"),
        ("POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
         .ok(.post("/e", body: "hi", continues: true)), "Expect: 100-continue with a body asks for a go-ahead"),
        ("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", .ok(.get("/")), "Expect without a body asks for nothing"),
        ("POST /e HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
         .ok(Seen(method: "POST", target: "/e", minor: 0, keepAlive: false, body: "hi")), "1.0 Expect is ignored (RFC 9110 §10.1.1)"),
        ("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", .ok(Seen(method: "OPTIONS", target: "*")), "asterisk form for OPTIONS"),
        // RFC 9112 §3.2.2: a server MUST accept absolute form; it routes on the origin form.
        ("GET http://a/x?q=1 HTTP/1.1\r\nHost: a\r\n\r\n", .ok(.get("/x?q=1", fields: ["Host: a"])), "absolute form reduced to origin form"),
        ("GET HTTPS://Ex.COM:8443 HTTP/1.1\r\nHost: b\r\n\r\n", .ok(.get("/")), "scheme in any case; an empty path is /"),
        ("GET hTtP://a?q HTTP/1.1\r\nHost: a\r\n\r\n", .ok(.get("/?q")), "an empty path before a query is /"),
        ("GET http://[::1]:8080/p HTTP/1.0\r\n\r\n", .ok(.get("/p", minor: 0, keepAlive: false)), "an IPv6 literal authority; 1.0 needs no Host"),
        ("POST http://a/p HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi", .ok(.post("/p", body: "hi")), "absolute form with a body"),
        ("GET " + target8192 + " HTTP/1.1\r\nHost: a\r\n\r\n", .ok(.get(target8192)), "a request line of exactly 8 KiB"),
        ("GET / HTTP/1.1\r\n" + section(of: 32 * 1024) + "\r\n", .ok(.get("/")), "a field section of exactly 32 KiB"),
        ("GET / HTTP/1.1\r\n" + fields(100) + "\r\n", .ok(.get("/")), "exactly 100 fields"),
        ("GET / HTTP/1.1\r\nHost: a\r\n", .unfinished(), "a head without its empty line waits for more"),
        ("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel", .unfinished(), "a short body waits for more"),
    ]

    static let rejected: [(bytes: String, expected: Outcome, why: String)] = [
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .rejected(400),
         "Content-Length with Transfer-Encoding (RFC 9112 §6.1)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n", .rejected(400),
         "Transfer-Encoding with Content-Length, other order"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .rejected(400), "differing Content-Length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", .rejected(400), "Int(\"+5\") is 5; 1*DIGIT is not"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .rejected(400), "negative length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1,1\r\n\r\nx", .rejected(400), "list-valued Content-Length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", .rejected(400), "hex length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\nhello", .rejected(400), "two numbers in one value"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", .rejected(400), "empty Content-Length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", .rejected(400), "length overflows Int"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", .rejected(400), "final coding not chunked: length unknowable"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .rejected(400), "chunked not last"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", .rejected(400), "codings we cannot decode"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .rejected(400),
         "chunked applied twice"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", .rejected(400), "identity is not a coding any more"),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .rejected(400), "Transfer-Encoding in HTTP/1.0"),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .rejected(400), "space between field name and colon (RFC 9112 §5.1)"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX\t: b\r\n\r\n", .rejected(400), "tab between field name and colon"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", .rejected(400), "obs-fold (RFC 9112 §5.2)"),
        ("GET / HTTP/1.1\r\n Host: a\r\n\r\n", .rejected(400), "first field line starts with whitespace"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", .rejected(400), "NUL in a value"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", .rejected(400), "bare CR in a value"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n", .rejected(400), "bare LF in a value"),
        ("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", .rejected(400), "bare LF ending a field line"),
        ("GET / HTTP/1.1\nHost: a\r\n\r\n", .rejected(400), "bare LF ending the request line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7f}\r\n\r\n", .rejected(400), "DEL in a value"),
        // RFC 9112 §2.2: a CR not followed by LF is never a line end, wherever it is (issue 22 item 6).
        ("GET /health HTTP/1.1\r\nHost: a\r\n\rContent-Length: 40\r\n\r\n" + String(repeating: "G", count: 40), .rejected(400),
         "bare CR at the start of a field line does not end the head (was two requests)"),
        ("GET / HTTP/1.1\r\n\rHost: a\r\n\r\n", .rejected(400), "bare CR at the start of the first field line"),
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", .rejected(400), "bare CR before the empty line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\r\n\r\n", .rejected(400), "CR CR LF is not an empty line"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX:\rb\r\n\r\n", .rejected(400), "bare CR starting a value"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX\r: b\r\n\r\n", .rejected(400), "bare CR in a field name"),
        ("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "bare CR in the target"),
        ("GET\r/ HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "bare CR after the method"),
        ("GET / HTTP/1.1\r\rHost: a\r\n\r\n", .rejected(400), "bare CR ending the request line"),
        ("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "bare CR before the request line"),
        ("GET /a HTTP/1.1\r\nHost: a\r\n\r\n\rGET /b HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400, after: .get("/a")),
         "bare CR between pipelined requests"),
        ("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", .rejected(400), "empty field name"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n", .rejected(400), "non-token byte in a field name"),
        ("GET / HTTP/1.1\r\n\r\n", .rejected(400), "missing Host in 1.1 (RFC 9112 §3.2)"),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .rejected(400), "two Hosts"),
        ("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", .rejected(400), "two Hosts, even identical, even in 1.0"),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .rejected(505), "major version 2"),
        ("GET / HTTP/0.9\r\nHost: a\r\n\r\n", .rejected(505), "major version 0"),
        ("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", .rejected(400), "junk after the version"),
        ("GET / HTTP/1.10\r\nHost: a\r\n\r\n", .rejected(400), "two-digit minor version"),
        ("GET / http/1.1\r\nHost: a\r\n\r\n", .rejected(400), "lower-case protocol name"),
        ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .rejected(400), "trailing space on the request line"),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "two spaces after the method"),
        ("GET /\tx HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "tab inside the target"),
        ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "non-token method"),
        // Absolute form is accepted (RFC 9112 §3.2.2) but only for http(s), with an authority and no userinfo.
        ("GET ftp://a/x HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "absolute form with a scheme other than http(s)"),
        ("GET httpx://a/x HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "a scheme that only starts like http"),
        ("GET http:/a/x HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "http: without //"),
        ("GET http:// HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "absolute form with an empty authority"),
        ("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "absolute form with an empty host and a path"),
        ("GET http://u:p@a/x HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "userinfo in the authority (RFC 9110 §4.2.4)"),
        ("GET http://a#f/x HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "a fragment mark in the authority"),
        ("GET http://a/x HTTP/1.1\r\n\r\n", .rejected(400), "absolute form still needs one Host in 1.1 (RFC 9112 §3.2)"),
        ("GET http://a/x HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", .rejected(400), "absolute form with two Hosts"),
        ("GET mailto:a@b HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "a URI that is not http(s)"),
        ("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "authority form is for CONNECT, which is not served"),
        ("GET * HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "asterisk form is for OPTIONS only"),
        ("GET " + target8193 + " HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(414), "request line one byte over 8 KiB"),
        ("GET " + target8193 + String(repeating: "a", count: 2000), .rejected(414), "a request line that never ends is cut at the limit"),
        ("GET / HTTP/1.1\r\n" + section(of: 32 * 1024 + 1) + "\r\n", .rejected(431), "field section one byte over 32 KiB"),
        ("GET / HTTP/1.1\r\n" + section(of: 40 * 1024), .rejected(431), "a field section that never ends is cut at the limit"),
        ("GET / HTTP/1.1\r\n" + fields(101) + "\r\n", .rejected(431), "101 fields"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n", .rejected(413), "declared body over the limit, before any body byte"),
        ("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 101\r\n\r\n", .rejected(413),
         "over the limit is 413 at once, not 100 Continue"),
        ("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost : a\r\n\r\n", .rejected(400, after: .get("/a")),
         "a bad request after a good one fails only itself"),
    ]

    @Test("accepts valid messages identically at every split point", arguments: accepted.map(ParserRow.init))
    func acceptsAtEverySplit(row: ParserRow) {
        row.check(limits: Self.limits)
    }

    @Test("rejects malformed or oversized messages identically at every split point", arguments: rejected.map(ParserRow.init))
    func rejectsAtEverySplit(row: ParserRow) {
        row.check(limits: Self.limits)
    }

    @Test("consumes the head at once and leaves the body to be consumed as it arrives")
    func consumedCounts() {
        var parser = RequestParser(limits: Self.limits)
        let head = Array("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n".utf8)
        let (event, consumed) = (head + Array("ab".utf8)).withUnsafeBytes { parser.parse($0, peer: "p") }
        guard case .headComplete(expectsContinue: false) = event else {
            Issue.record("expected headComplete, got \(event)")
            return
        }
        #expect(consumed == head.count)
        #expect(parser.isReadingBody)
        let (second, took) = Array("abcdGET".utf8).withUnsafeBytes { parser.parse($0, peer: "p") }
        guard case .request(let request) = second else {
            Issue.record("expected a request, got \(second)")
            return
        }
        #expect(took == 4, "the bytes after the body belong to the next request")
        #expect(request.body == Array("abcd".utf8))
        #expect(request.peer == "p")
        #expect(!parser.isReadingBody)
    }

    @Test("an absolute-form target's authority replaces Host; origin form keeps Host (RFC 9112 §3.2.3)", arguments: [
        ("GET http://Example.com:8080/p?x HTTP/1.1\r\nHost: other\r\n\r\n", "/p?x", "Example.com:8080" as String?, "Example.com:8080"),
        ("GET https://[::1] HTTP/1.1\r\nHost: other\r\n\r\n", "/", "[::1]", "[::1]"),
        ("GET /p HTTP/1.1\r\nHost: other\r\n\r\n", "/p", nil, "other"),
    ] as [(String, String, String?, String)])
    func authority(bytes: String, target: String, authority: String?, host: String) {
        var parser = RequestParser(limits: Self.limits)
        let (event, _) = Array(bytes.utf8).withUnsafeBytes { parser.parse($0, peer: "p") }
        guard case .request(let request) = event else {
            Issue.record("expected a request, got \(event)")
            return
        }
        #expect(request.target == target)
        #expect(request.path == target.split(separator: "?", omittingEmptySubsequences: false)[0])
        #expect(request.authority == authority)
        #expect(request.host == host)
    }

    @Test("parses Content-Length digit by digit", arguments: [
        ("0", 0), ("007", 7), ("9223372036854775807", Int.max),
    ] as [(String, Int)])
    func decimal(text: String, value: Int) {
        #expect(RequestHeadParser.parseDecimal(text) == value)
    }

    @Test("refuses anything but 1*DIGIT as a length", arguments: ["", "+5", "-1", " 5", "5 ", "1,1", "0x5", "9223372036854775808", "١"])
    func notDecimal(text: String) {
        #expect(RequestHeadParser.parseDecimal(text) == nil)
    }
}

/// Field values are checked eight bytes at a time where they are plain, so a forbidden byte must
/// be caught at every offset within a word, and allowed ones (tab, obs-text) pass at every offset.
@Suite("RequestParser field values")
struct FieldValueScanTests {
    static func parse(value: [UInt8]) -> RequestParser.Event {
        let head = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Long: ".utf8) + value + Array("\r\nX-After: b\r\n\r\n".utf8)
        var parser = RequestParser(limits: HTTPLimits())
        return head.withUnsafeBytes { parser.parse($0, peer: "127.0.0.1") }.event
    }

    @Test(arguments: [0x00, 0x01, 0x08, 0x0A, 0x0B, 0x0D, 0x1F, 0x7F] as [UInt8])
    func aForbiddenByteIsRefusedAtEveryOffset(_ forbidden: UInt8) {
        for offset in 0..<40 {
            var value = Array(repeating: UInt8(ascii: "v"), count: 40)
            value[offset] = forbidden
            guard case .failure(let error) = Self.parse(value: value) else {
                Issue.record("byte \(forbidden) at offset \(offset) was accepted")
                continue
            }
            #expect(error.problem.status == 400, "byte \(forbidden) at offset \(offset)")
        }
    }

    @Test(arguments: [0x09, 0x20, 0x21, 0x7E, 0x80, 0xC3, 0xFF] as [UInt8])
    func anAllowedByteIsKeptAtEveryOffset(_ allowed: UInt8) {
        for offset in 1..<39 {  // not at either end, where a tab or space is trimmed as OWS
            var value = Array(repeating: UInt8(ascii: "v"), count: 40)
            value[offset] = allowed
            guard case .request(let request) = Self.parse(value: value) else {
                Issue.record("byte \(allowed) at offset \(offset) was refused")
                continue
            }
            #expect(Array(request.headers["X-Long"]!.utf8) == Array(String(decoding: value, as: UTF8.self).utf8),
                    "byte \(allowed) at offset \(offset)")
            #expect(request.headers["X-After"] == "b")
        }
    }
}

/// Field names are RFC 9110 tokens; the parser checks them against bit masks, so every byte value
/// is tried against the grammar's own list.
struct FieldNameByteTests {
    static let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)

    @Test func everyByteIsATokenByteExactlyWhenTheGrammarSaysSo() {
        for value in 0...255 {
            let byte = UInt8(value)
            let head = Array("GET / HTTP/1.1\r\nHost: a\r\nX-".utf8) + [byte] + Array("y: 1\r\n\r\n".utf8)
            var parser = RequestParser(limits: HTTPLimits())
            let event = head.withUnsafeBytes { parser.parse($0, peer: "127.0.0.1") }.event
            if byte == UInt8(ascii: ":") {  // ends the name "X-": the value is then "y: 1"
                guard case .request(let request) = event else { Issue.record("colon refused"); continue }
                #expect(request.headers["X-"] == "y: 1")
            } else if Self.tchar.contains(byte) {
                guard case .request(let request) = event else {
                    Issue.record("token byte \(byte) refused in a field name")
                    continue
                }
                #expect(request.headers.fields.last?.value == "1", "byte \(byte)")
            } else if case .request = event {
                Issue.record("non-token byte \(byte) accepted in a field name")
            }
        }
    }
}
