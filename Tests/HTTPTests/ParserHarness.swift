import Testing
@testable import HTTP

/// One table row, `(bytes, expected, why)`, named by its `why` in test output.
struct ParserRow: Sendable, CustomTestStringConvertible {
    var bytes: [UInt8]
    var expected: Outcome
    var why: String
    var testDescription: String { why }

    init(_ row: (bytes: String, expected: Outcome, why: String)) {
        bytes = Array(row.bytes.utf8)
        expected = row.expected
        why = row.why
    }

    /// Asserts the row's outcome at every split point.
    func check(limits: HTTPLimits, sourceLocation: SourceLocation = #_sourceLocation) {
        let bad = ParserHarness.mismatches(bytes, expected: expected, limits: limits)
        let allAgree = bad.isEmpty
        #expect(allAgree, """
            \(why): \(bad.count) way(s) of feeding differ (split 0 = one feed, -1 = byte by byte); \
            first: \(bad.first.map { "split \($0.split) gave \($0.got)" } ?? ""); expected \(expected)
            """, sourceLocation: sourceLocation)
    }
}

/// What a test expects of one parsed request. `fields` is compared only when the row gives it.
struct Seen: Sendable, Equatable, CustomStringConvertible {
    var method: String
    var target: String
    var minor: Int = 1
    var keepAlive: Bool = true
    var body: String = ""
    /// Whether the head asked for `100 Continue` (the `headComplete` event said so).
    var continues: Bool = false
    /// `name: value` lines as parsed (OWS trimmed); `nil` in an expectation means "any".
    var fields: [String]? = nil

    static func get(_ target: String = "/", minor: Int = 1, keepAlive: Bool = true, fields: [String]? = nil) -> Seen {
        Seen(method: "GET", target: target, minor: minor, keepAlive: keepAlive, fields: fields)
    }

    static func post(_ target: String = "/", body: String, continues: Bool = false, keepAlive: Bool = true) -> Seen {
        Seen(method: "POST", target: target, keepAlive: keepAlive, body: body, continues: continues)
    }

    var description: String {
        "\(method) \(target) 1.\(minor) keepAlive=\(keepAlive) continues=\(continues) body=\(body.debugDescription)"
            + (fields.map { " fields=\($0)" } ?? "")
    }
}

/// Everything the parser said about one byte stream.
struct Outcome: Sendable, Equatable, CustomStringConvertible {
    var requests: [Seen] = []
    /// The status of the failure that ended the stream, if any.
    var status: Int? = nil
    /// Whether bytes of an unfinished request were left (the stream ended mid-request).
    var open = false

    static func ok(_ requests: Seen...) -> Outcome { Outcome(requests: requests) }
    static func rejected(_ status: Int, after requests: Seen...) -> Outcome { Outcome(requests: requests, status: status) }
    static func unfinished(_ requests: Seen...) -> Outcome { Outcome(requests: requests, open: true) }

    /// Whether `actual` matches this expectation (fields only where given).
    func admits(_ actual: Outcome) -> Bool {
        guard requests.count == actual.requests.count, status == actual.status, open == actual.open else { return false }
        for (expected, got) in zip(requests, actual.requests) {
            var got = got
            if expected.fields == nil { got.fields = nil }
            if expected != got { return false }
        }
        return true
    }

    var description: String {
        "requests=\(requests) status=\(status.map(String.init) ?? "none") open=\(open)"
    }
}

/// Runs the parser tables through ``RequestFeed`` (the loop the fuzz targets use too).
enum ParserHarness {
    static func run(_ message: [UInt8], feedsEndingAt splits: [Int], limits: HTTPLimits) -> Outcome {
        let fed = RequestFeed.run(message, feedsEndingAt: splits, limits: limits)
        return Outcome(
            requests: fed.requests.map { request in
                Seen(method: request.method, target: request.target, minor: request.minor,
                     keepAlive: request.keepAlive, body: String(decoding: request.body, as: UTF8.self),
                     continues: request.continues, fields: request.fields.map { String(decoding: $0, as: UTF8.self) })
            },
            status: fed.status, open: fed.open)
    }

    /// The split points that differ in outcome from `expected`: every two-feed split (or a
    /// sample for very long messages), then byte-by-byte (reported as -1), then one feed (0).
    static func mismatches(_ message: [UInt8], expected: Outcome, limits: HTTPLimits) -> [(split: Int, got: Outcome)] {
        var bad: [(Int, Outcome)] = []
        let whole = run(message, feedsEndingAt: [], limits: limits)
        if !expected.admits(whole) { bad.append((0, whole)) }
        for split in splitPoints(message.count) {
            let got = run(message, feedsEndingAt: [split], limits: limits)
            if !expected.admits(got) { bad.append((split, got)) }
        }
        let byByte = run(message, feedsEndingAt: Array(1..<max(1, message.count)), limits: limits)
        if !expected.admits(byByte) { bad.append((-1, byByte)) }
        return bad
    }

    /// Every split point of a short message; for a long one, the first and last 300 and every
    /// 97th in between (each run is linear, so all 40,000 splits of a 40 KB head would be slow).
    static func splitPoints(_ count: Int) -> [Int] {
        guard count > 1 else { return [] }
        if count <= 4096 { return Array(1..<count) }
        var points = Set(1..<300)
        points.formUnion((count - 300)..<count)
        points.formUnion(stride(from: 300, to: count - 300, by: 97))
        return points.sorted()
    }
}
