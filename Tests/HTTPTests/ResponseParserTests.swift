import Testing
@testable import HTTP

/// The upstream response parser, fed whole and at every split point, as `UpstreamConnection` feeds
/// it (unconsumed bytes kept and offered again with the next read).
struct ResponseParserTests {
    enum Expected: Equatable {
        case response(status: Int, body: String, keepAlive: Bool)
        case failure
        case needsEOF(status: Int, body: String)
    }

    static let rows: [(bytes: String, expected: Expected, why: String)] = [
        ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", .response(status: 200, body: "hello", keepAlive: true),
         "Content-Length body"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
         .response(status: 200, body: "hello", keepAlive: true), "chunked body"),
        ("HTTP/1.1 204 No Content\r\n\r\n", .response(status: 204, body: "", keepAlive: true), "204 has no body"),
        ("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
         .response(status: 200, body: "ok", keepAlive: false), "Connection: close is not reusable"),
        ("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", .response(status: 200, body: "ok", keepAlive: false),
         "HTTP/1.0 closes by default"),
        ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
         .response(status: 201, body: "ok", keepAlive: true), "an interim 100 is skipped, the final response returned"),
        ("HTTP/1.1 200 OK\r\n\r\nuntil close", .needsEOF(status: 200, body: "until close"),
         "no length: the body runs to the close"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", .failure, "conflicting lengths"),
        ("HTTP/1.1 2x0 OK\r\n\r\n", .failure, "malformed status code"),
        ("HTTX/1.1 200 OK\r\n\r\n", .failure, "not HTTP"),
        // RFC 9112 §2.2: a bare CR is never a line end, so never the end of the head.
        ("HTTP/1.1 200 OK\r\nX: 1\r\n\rContent-Length: 5\r\n\r\nhello", .failure,
         "bare CR at the start of a field line does not end the head"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\r\n\r\nok", .failure, "bare CR before the empty line"),
        ("HTTP/1.1 200 O\rK\r\nContent-Length: 2\r\n\r\nok", .failure, "bare CR in the reason phrase"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\rX: 1\r\n\r\n", .failure,
         "bare CR at the start of a trailer line"),
    ]

    @Test(arguments: rows.indices)
    func parsesTheSameAtEverySplit(_ index: Int) {
        let row = Self.rows[index]
        let bytes = Array(row.bytes.utf8)
        for split in 0..<bytes.count {
            let outcome = Self.feed([Array(bytes[0..<split]), Array(bytes[split...])])
            #expect(outcome == row.expected, "\(row.why): split at \(split) gave \(String(describing: outcome))")
        }
    }

    static func feed(_ pieces: [[UInt8]]) -> Expected? {
        var parser = ResponseParser(limits: HTTPLimits())
        var buffer: [UInt8] = []
        for piece in pieces {
            buffer += piece
            while !buffer.isEmpty {
                let (event, consumed) = buffer.withUnsafeBytes { parser.parse($0) }
                buffer.removeFirst(consumed)
                switch event {
                case .response(let response, let keepAlive):
                    return .response(status: response.status, body: String(decoding: response.body, as: UTF8.self),
                                     keepAlive: keepAlive)
                case .failure:
                    return .failure
                case .streamHead:
                    Issue.record("a stream head without streamsEventStreams")
                    return .failure
                case .needMore:
                    break
                }
                if consumed == 0 { break }
            }
        }
        if let response = parser.finishAtEOF() {
            return .needsEOF(status: response.status, body: String(decoding: response.body, as: UTF8.self))
        }
        return nil
    }
}

/// Which answers a proxy that relays streams reads as a stream: a `200` whose media type is
/// `text/event-stream` (RFC 9110 §8.3.1: any case, parameters or not, spaces around the value).
struct ResponseEventStreamTests {
    static let rows: [(contentType: String, isStream: Bool, why: String)] = [
        ("text/event-stream", true, "the type alone"),
        ("Text/Event-STREAM", true, "any case"),
        ("text/event-stream; charset=utf-8", true, "with a parameter"),
        ("text/event-stream;charset=utf-8", true, "a parameter without a space"),
        ("  text/event-stream \t", true, "spaces and a tab around the value"),
        ("text/event-stream ;x=1", true, "a space before the parameters"),
        ("application/json", false, "another type"),
        ("text/event-streams", false, "a longer type"),
        ("text/event-strea", false, "a shorter type"),
        ("text/event-stream-x; a=b", false, "a longer type with a parameter"),
        ("", false, "an empty value"),
        ("; text/event-stream", false, "no type before the parameters"),
        ("application/json; note=text/event-stream", false, "the name in a parameter only"),
    ]

    @Test(arguments: rows.indices)
    func mediaTypeDecidesAStream(_ index: Int) {
        let row = Self.rows[index]
        var parser = ResponseParser(limits: HTTPLimits())
        parser.streamsEventStreams = true
        let head = "HTTP/1.1 200 OK\r\nContent-Type: \(row.contentType)\r\nContent-Length: 2\r\n\r\nok"
        let (event, _) = Array(head.utf8).withUnsafeBytes { parser.parse($0) }
        switch event {
        case .streamHead: #expect(row.isStream, "\(row.why): read as a stream")
        case .response: #expect(!row.isStream, "\(row.why): read as a whole answer")
        default: Issue.record("\(row.why): \(event)")
        }
    }
}

/// The field lines a proxy passes on as bytes, and the fields parsed from them on demand.
struct ResponseFieldLinesTests {
    @Test func fieldLinesKeepTheWireBytesAndHeadersTrimTheValues() throws {
        let head = "HTTP/1.1 200 OK\r\nX-A:  spaced value \t\r\ncontent-LENGTH: 2\r\nX-Empty:\r\n\r\nok"
        var parser = ResponseParser(limits: HTTPLimits())
        let (event, _) = Array(head.utf8).withUnsafeBytes { parser.parse($0) }
        guard case .response(let response, _) = event else {
            Issue.record("no response: \(event)")
            return
        }
        #expect(String(decoding: response.fieldLines, as: UTF8.self)
                == "X-A:  spaced value \t\r\ncontent-LENGTH: 2\r\nX-Empty:\r\n")
        let fields = response.headers.fields.map { "\($0.name)=\($0.value)" }
        #expect(fields == ["X-A=spaced value", "content-LENGTH=2", "X-Empty="])
        #expect(String(decoding: response.body, as: UTF8.self) == "ok")
    }

    /// What a proxy asks the parser to leave out is gone from the lines, the rest kept byte for
    /// byte; a `Connection` field (its tokens name more fields) brings every line back.
    static let omissions: [(head: String, lines: String, omitted: Bool, why: String)] = [
        ("HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nDATE: x\r\nX-Request-ID: 7\r\nKeep-Alive: 5\r\nX-Z:  z \r\nContent-Length: 2\r\n\r\nok",
         "Content-Type: a/b\r\nX-Z:  z \r\n", true, "omitted fields dropped, case ignored, others as sent"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "", true, "nothing left"),
        ("HTTP/1.1 200 OK\r\nX-A: 1\r\nConnection: x-a\r\nDate: d\r\nContent-Length: 2\r\n\r\nok",
         "X-A: 1\r\nConnection: x-a\r\nDate: d\r\nContent-Length: 2\r\n", false, "Connection: every line comes back"),
    ]

    @Test(arguments: omissions.indices)
    func omittedFieldsAreLeftOutAsTheHeadIsParsed(_ index: Int) {
        let row = Self.omissions[index]
        var parser = ResponseParser(limits: HTTPLimits())
        parser.omittedFields = FieldNames("connection", "keep-alive", "content-length", "date", "x-request-id")
        let (event, _) = Array(row.head.utf8).withUnsafeBytes { parser.parse($0) }
        guard case .response(let response, _) = event else {
            Issue.record("\(row.why): no response: \(event)")
            return
        }
        #expect(String(decoding: response.fieldLines, as: UTF8.self) == row.lines, "\(row.why)")
        #expect(response.fieldsOmitted == row.omitted, "\(row.why)")
        #expect(String(decoding: response.body, as: UTF8.self) == "ok", "\(row.why): framing still read")
    }

    @Test func aBareCRInAFieldLineIsAMalformedResponse() {
        var parser = ResponseParser(limits: HTTPLimits())
        let head = "HTTP/1.1 200 OK\r\nX-A: 1\rX-B: 2\r\nContent-Length: 0\r\n\r\n"
        let (event, _) = Array(head.utf8).withUnsafeBytes { parser.parse($0) }
        guard case .failure = event else {
            Issue.record("a bare CR was accepted: \(event)")
            return
        }
    }

    @Test func responsesBuiltFromFieldsRoundTrip() {
        let response = ClientResponse(status: 201, headers: ["Location": "/x", "X-B": "1"], body: [])
        #expect(response.headers.fields.map(\.name) == ["Location", "X-B"])
        #expect(response.headers["location"] == "/x")
    }

    static let names: [(wire: String, expected: String, equal: Bool)] = [
        ("Content-Length", "content-length", true),
        ("CONTENT-LENGTH", "content-length", true),
        ("content-length", "content-length", true),
        ("content-lengt", "content-length", false),
        ("content_length", "content-length", false),
        ("content\rlength", "content-length", false),  // 0x0D | 0x20 is "-": only letters fold
        ("te", "te", true),
        ("tf", "te", false),
    ]

    @Test(arguments: names.indices)
    func nameEqualsFoldsOnlyLetters(_ index: Int) {
        let row = Self.names[index]
        let equal = Array(row.wire.utf8).withUnsafeBytes { HTTPHeaders.nameEquals($0, row.expected) }
        #expect(equal == row.equal, "\(row.wire) vs \(row.expected)")
    }
}

/// A set of field names matched ignoring case, by length first.
struct FieldNamesTests {
    @Test func membersMatchInAnyCaseAndOthersOfTheSameLengthDoNot() {
        let names = ["te", "date", "upgrade", "trailer", "connection", "keep-alive", "x-request-id", "content-length",
                     "transfer-encoding", "proxy-connection"]
        let set = FieldNames(names.shuffled())
        for name in names {
            #expect(set.contains(name) && set.contains(name.uppercased()), "\(name)")
            #expect(Array(name.utf8).withUnsafeBytes { set.contains($0) }, "\(name) as bytes")
            // One letter changed: same length, not a member.
            let other = String(name.dropLast()) + (name.last == "x" ? "y" : "x")
            #expect(!set.contains(other), "\(other)")
        }
        for outsider in ["", "t", "host", "content-type", "x-forwarded-for", String(repeating: "a", count: 70)] {
            #expect(!set.contains(outsider), "\(outsider)")
        }
        #expect(!FieldNames([String]()).contains("date"))
    }
}
