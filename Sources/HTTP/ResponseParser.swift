#if canImport(Glibc)
import Glibc
#endif

/// An incremental parser for responses from upstream services: status line, fields, and a body
/// framed by `Content-Length`, chunked coding, or the end of the connection. Like
/// ``RequestParser``, it is pure and resumable at any split of the bytes.
struct ResponseParser {
    enum Event {
        case needMore
        case response(ClientResponse, keepAlive: Bool)
        /// The head of a `200 text/event-stream` answer when ``streamsEventStreams``: its body is
        /// the caller's to read as it arrives (``StreamedBody``), framed as `framing` says.
        case streamHead(ClientResponse, framing: BodyFraming, keepAlive: Bool)
        case failure(String)
    }

    private enum State {
        case head(resumeAt: Int)
        case body(ClientResponse, remaining: Int, keepAlive: Bool)
        case chunked(ClientResponse, ChunkedDecoder, keepAlive: Bool)
        case untilClose(ClientResponse)
    }

    private var state = State.head(resumeAt: 0)
    private let limits: HTTPLimits
    /// Whether the request was HEAD (its response has no body whatever it says).
    var requestWasHead = false
    /// Fields to leave out of the response's ``ClientResponse/fieldLines`` (``ClientRequest/omittedResponseFields``).
    var omittedFields: FieldNames?
    /// Whether a `200 text/event-stream` answer ends at its head (``Event/streamHead``) instead of
    /// being buffered whole: a proxy relays such a body as it arrives.
    var streamsEventStreams = false

    init(limits: HTTPLimits) {
        self.limits = limits
    }

    mutating func parse(_ bytes: UnsafeRawBufferPointer) -> (event: Event, consumed: Int) {
        switch state {
        case .head(let resumeAt):
            switch RequestHeadParser.scan(bytes, from: resumeAt, limits: limits) {
            case .failure:
                return (.failure("malformed response head"), 0)
            case .incomplete(let next):
                state = .head(resumeAt: next)
                return (.needMore, 0)
            case .complete(let end):
                state = .head(resumeAt: 0)
                guard let (response, framing, keepAlive, eventStream) = Self.parseHead(
                    UnsafeRawBufferPointer(rebasing: bytes[0..<end]), omitting: omittedFields) else {
                    return (.failure("malformed response head"), end)
                }
                if (100..<200).contains(response.status) && response.status != 101 {
                    // An interim response (RFC 9110 §15.2): skip it and read the final one.
                    let (event, consumed) = parse(UnsafeRawBufferPointer(rebasing: bytes[end...]))
                    return (event, end + consumed)
                }
                let bodyless = requestWasHead || response.status == 204 || response.status == 304
                    || (100..<200).contains(response.status)
                // RFC 9112 §6.3 rule 1: an answer to HEAD has no body, yet its fields describe the GET's
                // body, and a faulty upstream may send that body anyway, late: on a pooled connection it
                // would be read as the next request's answer. Nothing can tell such bytes from a real
                // answer, so a connection that answered HEAD is not reused (HEAD is rare; the cost is
                // one connect).
                if bodyless { return (.response(response, keepAlive: keepAlive && !requestWasHead), end) }
                if streamsEventStreams && eventStream && response.status == 200 {
                    return (.streamHead(response, framing: framing, keepAlive: keepAlive), end)
                }
                switch framing {
                case .length(0):
                    return (.response(response, keepAlive: keepAlive), end)
                case .length(let length):
                    guard length <= limits.bodyBytesMax * 16 else { return (.failure("response body too large"), end) }
                    state = .body(response, remaining: length, keepAlive: keepAlive)
                case .chunked:
                    state = .chunked(response, ChunkedDecoder(), keepAlive: keepAlive)
                case .none:
                    // Without a length the body runs to the close: the connection is not reusable.
                    state = .untilClose(response)
                }
                let (event, consumed) = parse(UnsafeRawBufferPointer(rebasing: bytes[end...]))
                return (event, end + consumed)
            }
        case .body(var response, let remaining, let keepAlive):
            state = .head(resumeAt: 0)
            let take = min(remaining, bytes.count)
            response.body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
            if take == remaining { return (.response(response, keepAlive: keepAlive), take) }
            state = .body(response, remaining: remaining - take, keepAlive: keepAlive)
            return (.needMore, take)
        case .chunked(var response, var decoder, let keepAlive):
            state = .head(resumeAt: 0)
            var bodyLimits = limits
            bodyLimits.bodyBytesMax = limits.bodyBytesMax * 16
            let (consumed, outcome) = decoder.decode(bytes, into: &response.body, limits: bodyLimits)
            switch outcome {
            case .needMore:
                state = .chunked(response, decoder, keepAlive: keepAlive)
                return (.needMore, consumed)
            case .done:
                return (.response(response, keepAlive: keepAlive), consumed)
            case .failure:
                return (.failure("malformed chunked response"), consumed)
            }
        case .untilClose(var response):
            state = .head(resumeAt: 0)
            response.body.append(contentsOf: bytes)
            state = .untilClose(response)
            return (.needMore, bytes.count)
        }
    }

    /// The connection ended: a response delimited by the close is now complete.
    mutating func finishAtEOF() -> ClientResponse? {
        if case .untilClose(let response) = state {
            state = .head(resumeAt: 0)
            return response
        }
        return nil
    }

    private static func parseHead(_ bytes: UnsafeRawBufferPointer, omitting omitted: FieldNames?)
        -> (ClientResponse, BodyFraming, keepAlive: Bool, eventStream: Bool)? {
        // HTTP/1.x SP 3DIGIT SP reason CRLF
        guard bytes.count >= 14, bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"),
              bytes[2] == UInt8(ascii: "T"), bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/"),
              bytes[5] == UInt8(ascii: "1"), bytes[6] == UInt8(ascii: "."), bytes[8] == UInt8(ascii: " "),
              RequestHeadParser.isDigit(bytes[9]), RequestHeadParser.isDigit(bytes[10]),
              RequestHeadParser.isDigit(bytes[11]), RequestHeadParser.isDigit(bytes[7]),
              bytes[12] == UInt8(ascii: " ") || bytes[12] == 0x0D
        else { return nil }
        let versionMinor = bytes[7] == UInt8(ascii: "0") ? 0 : 1
        let status = Int(bytes[9] - 0x30) * 100 + Int(bytes[10] - 0x30) * 10 + Int(bytes[11] - 0x30)
        // RFC 9110 §15: status codes are 100-599 (a 3-digit "020" would be relayed as "20", found by
        // Tests/Fuzz); a fourth digit is not a status code either (RFC 9112 §4).
        guard (100..<600).contains(status) else { return nil }
        let base = bytes.baseAddress!
        // The scanner that found this head guarantees that every LF follows a CR and that the head
        // ends with an empty line; a bare CR is refused here. memchr finds each line's CR and colon
        // (byte loops with bounds checks were most of the gateway's parsing time).
        func find(_ byte: UInt8, from start: Int, to end: Int) -> Int {
            guard start < end, let found = memchr(base + start, Int32(byte), end - start) else { return end }
            return UnsafeRawPointer(found) - UnsafeRawPointer(base)
        }
        var index = find(0x0A, from: 12, to: bytes.count) + 1
        // RFC 9112 §4: reason-phrase = *( HTAB / SP / VCHAR / obs-text ); a CR or other control
        // inside the status line is refused (RFC 9112 §2.2: a bare CR is never a line end).
        for position in 12..<max(12, index - 2) {
            let byte = bytes[position]
            if byte < 0x20 && byte != 0x09 || byte == 0x7F { return nil }
        }
        let fieldsStart = index
        var contentLength: Int? = nil
        var chunked = false
        var close = versionMinor == 0
        var sawConnection = false
        var eventStream = false
        // No String per field: a proxy passes on the field lines it keeps as bytes (`fieldLines`).
        var fieldLines: [UInt8] = []
        fieldLines.reserveCapacity(bytes.count - fieldsStart)
        while index + 1 < bytes.count {
            if bytes[index] == 0x0D {
                // The empty line ends the head only as CR LF: a bare CR at a line's start is not a
                // line end (RFC 9112 §2.2) and would cut the fields (and the framing) short.
                guard bytes[index + 1] == 0x0A else { return nil }
                break
            }
            let lineEnd = find(0x0D, from: index, to: bytes.count)
            guard lineEnd + 1 < bytes.count, bytes[lineEnd + 1] == 0x0A else { return nil }
            let colon = find(UInt8(ascii: ":"), from: index, to: lineEnd)
            guard colon < lineEnd, colon > index else { return nil }
            let name = UnsafeRawBufferPointer(rebasing: bytes[index..<colon])
            if HTTPHeaders.nameEquals(name, "content-length") {
                let value = trimmed(bytes, from: colon + 1, to: lineEnd)
                guard let length = RequestHeadParser.parseDecimal(value), contentLength == nil || contentLength == length else {
                    return nil
                }
                contentLength = length
            } else if HTTPHeaders.nameEquals(name, "transfer-encoding") {
                let value = fieldValue(bytes, from: colon + 1, to: lineEnd)
                chunked = value.split(separator: ",").last.map { HTTPHeaders.equalsIgnoringCase($0.trimmingSpaces, "chunked") } ?? false
                if !chunked { return nil }
            } else if HTTPHeaders.nameEquals(name, "content-type") {
                // `text/event-stream`, any case, parameters or not (RFC 9110 §8.3.1). On the bytes:
                // every relayed answer has this field, and a String split by Characters cost about
                // a fifth of the relay's instructions (bench/RESULTS.md).
                let parameters = find(UInt8(ascii: ";"), from: colon + 1, to: lineEnd)
                eventStream = HTTPHeaders.nameEquals(trimmed(bytes, from: colon + 1, to: parameters), "text/event-stream")
            } else if HTTPHeaders.nameEquals(name, "connection") {
                sawConnection = true
                for token in fieldValue(bytes, from: colon + 1, to: lineEnd).split(separator: ",") {
                    let token = token.trimmingSpaces
                    if HTTPHeaders.equalsIgnoringCase(token, "close") { close = true }
                    if HTTPHeaders.equalsIgnoringCase(token, "keep-alive") && versionMinor == 0 { close = false }
                }
            }
            if omitted.map({ !$0.contains(name) }) ?? true {
                fieldLines.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<lineEnd + 2]))
            }
            index = lineEnd + 2
        }
        // A `Connection` field names more fields to drop, which only the caller can read: it gets
        // every line.
        let omittedAny = omitted != nil && !sawConnection
        if omitted != nil && sawConnection {
            fieldLines = Array(UnsafeRawBufferPointer(rebasing: bytes[fieldsStart..<index]))
        }
        let framing: BodyFraming = chunked ? .chunked : contentLength.map { .length($0) } ?? .none
        return (ClientResponse(status: status, fieldLines: fieldLines, body: [], fieldsOmitted: omittedAny), framing, !close,
                eventStream)
    }

    /// The bytes of a field's value without surrounding spaces and tabs (OWS).
    static func trimmed(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> UnsafeRawBufferPointer {
        var start = start
        var end = end
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// A field's value without surrounding spaces and tabs (OWS).
    static func fieldValue(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> String {
        String(decoding: trimmed(bytes, from: start, to: end), as: UTF8.self)
    }
}

/// A response received from an upstream service.
public struct ClientResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The field lines as received (`name: value` and CRLF each, framing fields included), in
    /// one buffer: a proxy passes on the lines it keeps without making a String of each field.
    /// Without the request's ``ClientRequest/omittedResponseFields`` when ``fieldsOmitted``.
    public var fieldLines: [UInt8]
    /// The decoded body.
    public var body: [UInt8]
    /// Whether ``fieldLines`` lacks the request's ``ClientRequest/omittedResponseFields``; false
    /// when none were asked for, and when the response has a `Connection` field (whose tokens name
    /// more fields to drop, so every line is there for the caller to filter).
    public var fieldsOmitted = false
    /// For a `text/event-stream` answer to a request with ``ClientRequest/streamsEventStreams``:
    /// the body, arriving over time (``body`` is empty).
    public var stream: ClientBodyStream? = nil

    /// The fields, parsed from ``fieldLines`` on each use, values without surrounding spaces.
    public var headers: HTTPHeaders {
        var headers = HTTPHeaders()
        Self.forEachLine(fieldLines) { line, colon in
            headers.add(String(decoding: UnsafeRawBufferPointer(rebasing: line[..<colon]), as: UTF8.self),
                        ResponseParser.fieldValue(line, from: colon + 1, to: line.count))
            return true
        }
        return headers
    }

    /// Creates a response from fields (tests, and clients that build responses by hand).
    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        var lines: [UInt8] = []
        for (name, value) in headers { lines.appendField(name, value) }
        self.init(status: status, fieldLines: lines, body: body)
    }

    init(status: Int, fieldLines: [UInt8], body: [UInt8], fieldsOmitted: Bool = false) {
        self.status = status
        self.fieldLines = fieldLines
        self.body = body
        self.fieldsOmitted = fieldsOmitted
    }

    /// Calls `body` with each line of `fieldLines` (without its CRLF) and the index of its colon,
    /// until `body` returns false. Lines without a colon (never made by the parser) are skipped.
    public static func forEachLine(_ fieldLines: [UInt8], _ body: (UnsafeRawBufferPointer, Int) -> Bool) {
        fieldLines.withUnsafeBytes { raw in
            var index = 0
            while index < raw.count {
                var lineEnd = index
                while lineEnd < raw.count, raw[lineEnd] != 0x0D { lineEnd += 1 }
                let line = UnsafeRawBufferPointer(rebasing: raw[index..<lineEnd])
                if let colon = line.firstIndex(of: UInt8(ascii: ":")), !body(line, colon) { return }
                index = lineEnd + 2
            }
        }
    }
}
