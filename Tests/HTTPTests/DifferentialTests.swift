import Testing
@testable import HTTP

/// One row per class of disagreement between our RequestParser and llhttp (httptools) or h11 found
/// by the differential harness (Tests/Fuzz/differential.py, 1,000,000 generated and mutated
/// requests): what we do, and the RFC 9112 / 9110 section that allows it. Each row is fed whole,
/// at every split point and byte by byte (``ParserHarness``).
@Suite("Differential parsing")
struct DifferentialTests {
    static let post5 = Seen.post("/", body: "hello")

    /// We refuse; llhttp and/or h11 accept. Refusing closes the connection, so no framing
    /// disagreement with a front end can follow.
    static let stricter: [(bytes: String, expected: Outcome, why: String)] = [
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551621\r\n\r\n", .rejected(400),
         "h11: a Content-Length past Int64 - RFC 9110 §8.6 (no overflow), RFC 9112 §6.3 item 5 (invalid length)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", .rejected(400),
         "h11: a list of equal lengths - RFC 9110 §8.6 lets a recipient reject it"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
         .rejected(400), "h11: Content-Length with Transfer-Encoding - RFC 9112 §6.1 (ought to be handled as an error)"),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", .rejected(400),
         "both: Transfer-Encoding in HTTP/1.0 - RFC 9112 §6.1 (treat the framing as faulty and close)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", .rejected(400),
         "llhttp: a coding we do not implement - RFC 9112 §6.1 (we answer 400 where 501 is the SHOULD; README)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
         .rejected(400), "llhttp: the same coding list split over two fields - RFC 9112 §6.1"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n", .rejected(400),
         "llhttp: an empty list element before chunked - RFC 9110 §5.6.1 asks recipients to ignore it; we refuse any coding list but exactly `chunked` (safer; README)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n", .rejected(400),
         "h11: whitespace after a chunk size with no extension - RFC 9112 §7.1 (BWS only before `;`)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\u{1}\r\nhello\r\n0\r\n\r\n", .rejected(400),
         "h11: a control byte in a chunk extension - RFC 9112 §7.1.1 (token or quoted-string)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
         .rejected(400), "h11: a chunk size past Int64 - RFC 9112 §7.1 (anticipate large sizes, no overflow)"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n folded\r\n\r\n", .rejected(400),
         "h11: obs-fold - RFC 9112 §5.2 (a server MUST reject it with 400 or unfold it)"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{7F}b\r\n\r\n", .rejected(400),
         "h11: DEL in a field value - RFC 9110 §5.5 (not a field-vchar)"),
        ("GET / HTTP/1.1\nHost: a\r\n\r\n", .rejected(400),
         "h11: a bare LF in the head - RFC 9112 §2.2 (MAY be taken as a line end; we do not: smuggling vector)"),
        ("GET / HTTP/1.1\r\nHost: a\r\n\n", .rejected(400), "h11: the head ending in CRLF LF - RFC 9112 §2.2"),
        ("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400),
         "llhttp: a bare LF before the request line - RFC 9112 §2.2 (only CRLF empty lines are skipped)"),
        ("GET / HTTP/1.1\r\n\r\n", .rejected(400), "llhttp: no Host in HTTP/1.1 - RFC 9112 §3.2 (MUST 400)"),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", .rejected(400),
         "llhttp: two Hosts - RFC 9112 §3.2 (MUST 400 for more than one)"),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .rejected(505), "both: HTTP/2.0 in an HTTP/1 request line - RFC 9110 §15.6.6"),
        ("GET * HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "both: asterisk-form for GET - RFC 9112 §3.2.4 (OPTIONS only)"),
        ("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400),
         "both: authority-form - RFC 9112 §3.2.3 (CONNECT, for proxies; an origin server may refuse it)"),
        ("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", .rejected(400),
         "both: a CR inside a line; we judge a head once its empty line is in (they fail at the byte) - RFC 9112 §2.2"),
        ("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400), "llhttp: a space inside the target - RFC 9112 §3 (single SP separators)"),
        ("GET /caf\u{e9} HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400),
         "llhttp: non-ASCII in the target - RFC 3986 §2 (must be percent-encoded)"),
        // Classes mapped one by one from the 1,000,000-case run (bench/RESULTS.md, Fuzzing).
        ("GET /\r\nHost: a\r\n\r\n", .rejected(400),
         "llhttp: a request line without a version (HTTP/0.9 style) - RFC 9112 §3 (request-line ends in HTTP-version)"),
        ("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400),
         "llhttp: two spaces before the version - RFC 9112 §3 (single SP; parsing on whitespace words is only a MAY)"),
        ("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400),
         "llhttp: a bare CR before the request line - RFC 9112 §2.2 (only empty CRLF lines are skipped)"),
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n\n", .rejected(400, after: .get()),
         "llhttp: a bare LF after a request starts the next head - RFC 9112 §2.2"),
        ("GET a HTTP/1.1\r\nHost: a\r\n\r\n", .rejected(400),
         "h11: a target in none of the four forms - RFC 9112 §3.2"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n:", .rejected(400),
         "h11 (still waiting): a trailer line with an empty name - RFC 9112 §7.1.2, RFC 9110 §5.1 (field-name is a token)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\r", .rejected(400),
         "h11 (still waiting): a bare CR ending the trailer section - RFC 9112 §2.2"),
    ]

    /// We accept; llhttp and/or h11 refuse.
    static let laxer: [(bytes: String, expected: Outcome, why: String)] = [
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", .ok(post5),
         "llhttp: the same Content-Length twice - RFC 9110 §8.6 (a recipient MAY take identical values as one)"),
        ("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .ok(.get()),
         "h11: an empty line before the request line - RFC 9112 §2.2 (SHOULD ignore at least one)"),
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n", .ok(.get()),
         "h11: an empty line after a request - RFC 9112 §2.2"),
        ("GET / HTTP/1.2\r\nHost: a\r\n\r\n", .ok(.get()),
         "llhttp: HTTP/1.2 - RFC 9110 §2.5 (process as the highest 1.x minor we implement)"),
        ("get / HTTP/1.1\r\nHost: a\r\n\r\n", .ok(Seen(method: "get", target: "/")),
         "llhttp: an unknown or lower-case method - RFC 9110 §9.1 (any token; the router answers 405/501)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloxGET / HTTP/1.1\r\nHost: a\r\n\r\n",
         .ok(post5, Seen(method: "xGET", target: "/")),
         "llhttp: a body one byte longer than its length leaves a token method for the next request - RFC 9110 §9.1"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n", .ok(post5),
         "llhttp: a tab after `chunked` - RFC 9112 §5.1 (OWS around a field value is not part of it)"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n\r",
         .unfinished(Seen(method: "POST", target: "/", body: "hello")),
         "llhttp: a lone CR after a request waits for its LF (an empty line may follow) - RFC 9112 §2.2"),
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n\t", .unfinished(.get()),
         "both fail at the byte: a byte no method starts with after a request; we judge the next head when it ends "
            + "(400 then; the head limit and header timeout bound the wait) - RFC 9112 §2.2, §3"),
        ("GET / HTTP/1.1\r\nHost: a\r\n ", .unfinished(),
         "llhttp fails at the byte: whitespace starting a field line; judged (obs-fold, 400) when the head ends - RFC 9112 §5.2"),
    ]

    /// Connection persistence differs.
    static let persistence: [(bytes: String, expected: Outcome, why: String)] = [
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n",
         .ok(.get("/", minor: 0, keepAlive: true), .get("/2", minor: 0, keepAlive: false)),
         "h11: HTTP/1.0 keep-alive (h11 never keeps 1.0 open) - RFC 9112 §9.3, Appendix C.2.2"),
        ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", .ok(.get("/", minor: 0, keepAlive: false)),
         "llhttp: `close` with `keep-alive` closes - RFC 9112 §9.6 (close is final)"),
    ]

    @Test("where we are stricter than llhttp or h11, the RFC lets us be", arguments: stricter.map(ParserRow.init))
    func stricterRows(row: ParserRow) { row.check(limits: HTTPLimits()) }

    @Test("where we accept what llhttp or h11 refuse, the RFC asks us to", arguments: laxer.map(ParserRow.init))
    func laxerRows(row: ParserRow) { row.check(limits: HTTPLimits()) }

    @Test("keep-alive where llhttp or h11 differ", arguments: persistence.map(ParserRow.init))
    func persistenceRows(row: ParserRow) { row.check(limits: HTTPLimits()) }

    /// The two disagreements where llhttp and h11 were right, fixed since (bare CR, absolute form).
    static let fixed: [(bytes: String, expected: Outcome, why: String)] = [
        ("GET / HTTP/1.1\r\nHost: a\r\n\rContent-Length: 5\r\n\r\nhello", .rejected(400),
         "a bare CR at the start of a field line must not end the field section - RFC 9112 §2.2 (400)"),
        ("GET http://a/p HTTP/1.1\r\nHost: a\r\n\r\n", .ok(.get("/p")),
         "absolute-form - RFC 9112 §3.2.2 (a server MUST accept it; routed on its path)"),
    ]

    @Test("disagreements where llhttp and h11 were right, fixed", arguments: fixed.map(ParserRow.init))
    func fixedRows(row: ParserRow) { row.check(limits: HTTPLimits()) }
}
