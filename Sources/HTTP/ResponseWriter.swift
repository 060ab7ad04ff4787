/// Serializes a response head and body into an output buffer: status line, the application's
/// fields, then the framing fields the server owns (`Date`, `Content-Length`, `Connection`).
enum ResponseWriter {
    /// Indexed by status - 100: an array lookup, not a hash, per response.
    private static let statusLines: [[UInt8]?] = {
        var lines = [[UInt8]?](repeating: nil, count: 500)
        for code in [100, 200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405, 408, 409, 411, 413, 414, 415,
                     417, 422, 429, 431, 500, 501, 502, 503, 504, 505] {
            lines[code - 100] = Array("HTTP/1.1 \(code) \(HTTPResponse.reasonPhrase(code))\r\n".utf8)
        }
        return lines
    }()

    private static let closeLine = Array("Connection: close\r\n".utf8)
    private static let keepAliveLine = Array("Connection: keep-alive\r\n".utf8)
    private static let chunkedLine = Array("Transfer-Encoding: chunked\r\n".utf8)
    /// The chunked coding's end: a zero-size chunk and no trailer (RFC 9112 §7.1).
    static let lastChunk = Array("0\r\n\r\n".utf8)

    /// Fields the application may not set: the server decides framing and persistence.
    static let framingFields = FieldNames(framingNames)
    private static let framingNames = ["content-length", "connection", "transfer-encoding", "date", "keep-alive"]
    /// The same and `X-Request-ID`, for a response whose ``HTTPResponse/requestID`` is set.
    private static let framingAndRequestIDFields = FieldNames(framingNames + ["x-request-id"])
    private static let requestIDPrefix = Array("X-Request-ID: ".utf8)

    /// Appends the serialized response to `out`. A streamed response (``HTTPResponse/stream``) gets
    /// `Transfer-Encoding: chunked` when `chunked` (HTTP/1.1), else no length at all: its body
    /// then runs to the close (RFC 9112 §6.3 rule 8), and `keepAlive` must be false.
    static func write(_ response: HTTPResponse, method: String, keepAlive: Bool, announceKeepAlive: Bool,
                      date: [UInt8], chunked: Bool = false, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 160 + response.fieldLines.count + response.body.count)
        if (100..<600).contains(response.status), let line = statusLines[response.status - 100] {
            out.append(contentsOf: line)
        } else {
            out.append(contentsOf: "HTTP/1.1 \(response.status) \(HTTPResponse.reasonPhrase(response.status))\r\n".utf8)
        }
        // A HEAD answer's length is the GET's (RFC 9110 §9.3.2); a proxy passes it on as a field
        // because the body it got was empty.
        var headLength: Int? = nil
        let ownFields = response.requestID.isEmpty ? framingFields : framingAndRequestIDFields
        response.headers.forEachField { name, value in
            if ownFields.contains(name) {
                if method == "HEAD" && HTTPHeaders.nameEquals(name, "content-length") {
                    headLength = RequestHeadParser.parseDecimal(value)
                }
                return
            }
            out.appendField(name, value)
        }
        if !response.fieldLines.isEmpty { out.append(contentsOf: response.fieldLines) }
        let noBody = HTTPResponse.hasNoBody(status: response.status, method: method)
        let streamed = response.stream != nil
        let hasLength = !streamed && !(response.status == 204 || (100..<200).contains(response.status))
        let maxCount = requestIDPrefix.count + response.requestID.utf8.count + 2 + date.count
            + ByteCursor.contentLengthLineMax + keepAliveLine.count + 2
        out.appendPieces(maxCount: maxCount) { tail in
            if !response.requestID.isEmpty {
                tail.put(requestIDPrefix)
                tail.put(response.requestID)
                tail.putLineEnd()
            }
            tail.put(date)
            if hasLength { tail.putContentLengthLine(response.body.isEmpty ? headLength ?? 0 : response.body.count) }
            if streamed && chunked { tail.put(chunkedLine) }
            if !keepAlive {
                tail.put(closeLine)
            } else if announceKeepAlive {
                tail.put(keepAliveLine)
            }
            tail.putLineEnd()
        }
        if !noBody && !streamed && !response.body.isEmpty { out.append(contentsOf: response.body) }
    }

    /// Appends `bytes` as one chunk (RFC 9112 §7.1: size in hex, CRLF, data, CRLF), or as they are
    /// when the body is not chunked (it runs to the close).
    static func writeChunk(_ bytes: UnsafeRawBufferPointer, chunked: Bool, into out: inout [UInt8]) {
        guard chunked else {
            out.append(contentsOf: bytes)
            return
        }
        out.appendUTF8(String(bytes.count, radix: 16))
        out.append(0x0D)
        out.append(0x0A)
        out.append(contentsOf: bytes)
        out.append(0x0D)
        out.append(0x0A)
    }
}

extension ByteCursor {
    /// At most this many bytes: `Content-Length: `, 19 digits, CRLF.
    static let contentLengthLineMax = contentLengthPrefix.count + 19 + 2
    private static let contentLengthPrefix = Array("Content-Length: ".utf8)

    /// The `Content-Length` field line, for a response or a request we send.
    mutating func putContentLengthLine(_ length: Int) {
        put(Self.contentLengthPrefix)
        putDecimal(length)
        putLineEnd()
    }
}

extension Array where Element == UInt8 {
    /// Appends the UTF-8 bytes of `text` in one copy; `append(contentsOf: text.utf8)` goes byte
    /// by byte, and serializing heads showed in the gateway's profile.
    @inline(__always)
    public mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends `name: value` and CRLF: one field line (``HTTPResponse/fieldLines``,
    /// ``ClientRequest/fieldLines``).
    @inline(__always)
    public mutating func appendField(_ name: String, _ value: String) {
        appendUTF8(name)
        append(0x3A)
        append(0x20)
        appendUTF8(value)
        append(0x0D)
        append(0x0A)
    }

    /// The same from bytes (a field as parsed, ``HTTPHeaders/forEachField(_:)``).
    @inline(__always)
    public mutating func appendField(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        append(contentsOf: name)
        append(0x3A)
        append(0x20)
        append(contentsOf: value)
        append(0x0D)
        append(0x0A)
    }
}
