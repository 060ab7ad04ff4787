import Testing
@testable import HTTP

/// `HTTPHeaders` in both of its forms: fields built from strings, and fields the parser left as
/// bytes of the head (`wire`), which turn into strings at the first change. Every lookup must give
/// the same answer in both (RFC 9110 §5.1: names are case-insensitive; order and repetition kept).
@Suite struct HTTPHeadersTests {
    enum Form: String, CaseIterable, Sendable {
        case strings, wire
    }

    /// `fields` (`"Name: value"` lines) in `form`; the wire form comes from the request parser.
    static func headers(_ form: Form, _ fields: [String]) throws -> HTTPHeaders {
        switch form {
        case .strings:
            return HTTPHeaders(fields.map { line in
                let colon = line.firstIndex(of: ":")!
                return (name: String(line[..<colon]), value: String(line[line.index(after: colon)...].trimmingSpaces))
            })
        case .wire:
            return try parse(fields, limits: HTTPLimits())
        }
    }

    /// The headers of `GET / HTTP/1.1` with `fields`, parsed in one feed.
    static func parse(_ fields: [String], limits: HTTPLimits) throws -> HTTPHeaders {
        let head = Array(("GET / HTTP/1.1\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n").utf8)
        var parser = RequestParser(limits: limits)
        let (event, _) = head.withUnsafeBytes { parser.parse($0, peer: "192.0.2.1") }
        guard case .request(let request) = event else { throw ParseFailed(event: "\(event)") }
        return request.headers
    }

    struct ParseFailed: Error {
        let event: String
    }

    static let sample = ["Host: example.com", "X-Trace: one", "accept: text/plain", "x-trace: two", "X-TRACE:  three "]

    @Test(arguments: Form.allCases)
    func namesMatchIgnoringASCIICaseOnly(_ form: Form) throws {
        let headers = try Self.headers(form, Self.sample)
        for name in ["x-trace", "X-Trace", "X-TRACE", "x-TrAcE"] {
            #expect(headers[name] == "one", "\(name)")
            #expect(headers.contains(name), "\(name)")
            #expect(headers.valueBytes(name).map { Array($0) } == Array("one".utf8), "\(name)")
        }
        #expect(headers["ACCEPT"] == "text/plain")
        for near in ["x-trac", "x-traces", "x_trace", "xtrace", " x-trace", "x-trace "] {
            #expect(headers[near] == nil, "\(near)")
            #expect(!headers.contains(near), "\(near)")
            #expect(headers.values(near).isEmpty, "\(near)")
        }
    }

    /// Bytes 0x20 apart that are not letters (`^`/`~`, `` ` ``/`@`, `[`/`{`) must not match: a case
    /// fold by `| 0x20` alone would make `X-^` the same name as `x-~`.
    @Test(arguments: Form.allCases)
    func nonLettersThatDifferByTheCaseBitAreDifferentNames(_ form: Form) throws {
        let headers = try Self.headers(form, ["Host: a", "X-^: caret", "X-`: tick"])
        #expect(headers["x-^"] == "caret")
        #expect(headers["x-`"] == "tick")
        #expect(headers["x-~"] == nil)
        #expect(headers["x-@"] == nil)
        #expect(headers.values("x-~").isEmpty && !headers.contains("X-@"))
        #expect(!HTTPHeaders.equalsIgnoringCase("x-@", "X-`"))
        #expect(!HTTPHeaders.equalsIgnoringCase(Substring("["), Substring("{")))
        #expect(HTTPHeaders.equalsIgnoringCase(Substring("Content-Length"), Substring("content-LENGTH")))
        #expect(!HTTPHeaders.equalsIgnoringCase(Substring("abc"), Substring("abcd")))
        "^".withCString { raw in
            #expect(!HTTPHeaders.nameEquals(UnsafeRawBufferPointer(start: raw, count: 1), "~"))
        }
        "A".withCString { raw in
            #expect(HTTPHeaders.nameEquals(UnsafeRawBufferPointer(start: raw, count: 1), "a"))
        }
    }

    @Test(arguments: Form.allCases)
    func duplicatesAreKeptInOrderAndTheFirstWins(_ form: Form) throws {
        let headers = try Self.headers(form, Self.sample)
        #expect(headers.values("x-trace") == ["one", "two", "three"], "OWS trimmed, order kept")
        #expect(headers["X-Trace"] == "one")
        #expect(headers.count == 5)
    }

    @Test(arguments: Form.allCases)
    func iterationAndFieldsKeepTheReceivedOrderAndSpelling(_ form: Form) throws {
        let headers = try Self.headers(form, Self.sample)
        let expected = ["Host: example.com", "X-Trace: one", "accept: text/plain", "x-trace: two", "X-TRACE: three"]
        #expect(headers.map { "\($0.name): \($0.value)" } == expected)
        #expect(headers.fields.map { "\($0.name): \($0.value)" } == expected)
        var seen: [String] = []
        headers.forEachField { name, value in
            seen.append(String(decoding: name, as: UTF8.self) + ": " + String(decoding: value, as: UTF8.self))
        }
        #expect(seen == expected)
    }

    @Test(arguments: Form.allCases)
    func changesKeepTheOtherFieldsInOrder(_ form: Form) throws {
        var headers = try Self.headers(form, Self.sample)
        headers.add("X-Trace", "four")
        #expect(headers.values("X-TRACE") == ["one", "two", "three", "four"], "add keeps the others")
        headers.set("x-trace", "only")
        #expect(headers.values("X-Trace") == ["only"], "set replaces every field of the name")
        #expect(headers.map(\.name) == ["Host", "accept", "x-trace"], "set appends; the others keep their order")
        headers.remove("HOST")
        #expect(headers["host"] == nil && headers.count == 2)
        headers.removeAll { $0.value == "text/plain" }
        #expect(headers.map(\.name) == ["x-trace"])
        headers.remove("absent")
        #expect(headers.count == 1)
    }

    @Test(arguments: Form.allCases)
    func tokenListsMatchWholeTokensIgnoringCaseAndSpaces(_ form: Form) throws {
        let headers = try Self.headers(form, ["Host: a", "Connection: keep-alive , Upgrade", "connection:\tCLOSE"])
        #expect(headers.hasToken("close", in: "connection"))
        #expect(headers.hasToken("upgrade", in: "Connection"))
        #expect(headers.hasToken("Keep-Alive", in: "Connection"))
        #expect(!headers.hasToken("clos", in: "Connection"), "a prefix is not the token")
        #expect(!headers.hasToken("keep", in: "Connection"))
        #expect(!headers.hasToken("close", in: "Upgrade"), "another field")
    }

    @Test func anEmptyListHasNothing() {
        let headers = HTTPHeaders()
        #expect(headers.count == 0 && headers["host"] == nil && headers.values("host").isEmpty)
        #expect(!headers.contains("host") && headers.valueBytes("host") == nil)
        #expect(Array(headers).isEmpty)
        let literal: HTTPHeaders = ["B": "2", "a": "1"]
        #expect(literal.map(\.name) == ["B", "a"], "a literal keeps its order")
    }

    /// At the parser's limits (`headerFieldsMax` fields, `headerBytesMax` bytes), every field is
    /// found where it is, the last one as well as the first; one field more is refused (431).
    @Test func atTheParsersLimitsEveryFieldIsKept() throws {
        let limits = HTTPLimits()
        let fields = ["Host: a"] + (1..<limits.headerFieldsMax).map { "X-F\($0): v\($0)" }
        let headers = try Self.parse(fields, limits: limits)
        #expect(headers.count == limits.headerFieldsMax)
        #expect(headers["x-f1"] == "v1")
        #expect(headers["X-F\(limits.headerFieldsMax - 1)"] == "v\(limits.headerFieldsMax - 1)")
        #expect(throws: ParseFailed.self) { try Self.parse(fields + ["X-More: 1"], limits: limits) }

        // One long value filling the field section (its lines, CRLFs included, as RequestParserTests count it).
        let overhead = "Host: a\r\n".utf8.count + "X-Long: \r\n".utf8.count
        let long = String(repeating: "a", count: limits.headerBytesMax - overhead)
        let big = try Self.parse(["Host: a", "X-Long: " + long], limits: limits)
        #expect(big["x-long"]?.utf8.count == long.utf8.count)
        #expect(big.valueBytes("X-LONG")?.last == UInt8(ascii: "a"))
        #expect(throws: ParseFailed.self) { try Self.parse(["Host: a", "X-Long: " + long + "a"], limits: limits) }
    }

    @Test func trimmingSpacesRemovesSpacesAndTabsAtTheEndsOnly() {
        #expect(" \t a b \t ".trimmingSpaces == "a b")
        #expect("".trimmingSpaces == "")
        #expect(" \t ".trimmingSpaces == "")
        #expect("\u{a0}x".trimmingSpaces == "\u{a0}x", "only SP and HTAB are OWS")
    }

    /// Every pair of byte values at every place of a word and of the tail after it, against the
    /// rule byte by byte: equal, or the same ASCII letter in either case.
    @Test func caseInsensitiveComparisonAgreesWithTheByteRuleForEveryPair() {
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        var mismatches = 0
        for place in [0, 3, 7, 8, 10] {
            var left = [UInt8](repeating: UInt8(ascii: "k"), count: 11)
            var right = left
            for x in UInt8.min...UInt8.max {
                for y in UInt8.min...UInt8.max {
                    left[place] = x
                    right[place] = y
                    let expected = x == y || (isLetter(x) && isLetter(y) && x | 0x20 == y | 0x20)
                    let found = left.withUnsafeBytes { l in right.withUnsafeBytes { r in HTTPHeaders.bytesEqualIgnoringCase(l, r) } }
                    if found != expected { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0)
        #expect(HTTPHeaders.nameEquals(UnsafeRawBufferPointer(start: nil, count: 0), ""))
        #expect(HTTPHeaders.equalsIgnoringCase("Transfer-ENCODING", "transfer-encoding"))
        #expect(!HTTPHeaders.equalsIgnoringCase("Transfer-Encodinf", "transfer-encoding"))
        #expect(!HTTPHeaders.equalsIgnoringCase("content@length", "content`length"), "@ and ` differ by 0x20 but are not letters")
    }
}
