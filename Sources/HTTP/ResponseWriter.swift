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

    private static let contentLengthPrefix = Array("Content-Length: ".utf8)

    /// Appends a non-negative integer's decimal digits without building a String: written
    /// backwards into a small buffer, then appended in one copy.
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(truncatingIfNeeded: value) + 0x30)
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: Int.max has 19 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            var rest = value
            while rest > 0 {
                start -= 1
                buffer[start] = UInt8(truncatingIfNeeded: rest % 10) + 0x30
                rest /= 10
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// Fields the application may not set: the server decides framing and persistence.
    static let framingFields = FieldNames(framingNames)
    private static let framingNames = ["content-length", "connection", "transfer-encoding", "date", "keep-alive"]
    /// The same and `X-Request-ID`, for a response whose ``HTTPResponse/requestID`` is set.
    private static let framingAndRequestIDFields = FieldNames(framingNames + ["x-request-id"])
    private static let requestIDPrefix = Array("X-Request-ID: ".utf8)

    /// Appends the serialized response to `out`.
    static func write(_ response: HTTPResponse, method: String, keepAlive: Bool, announceKeepAlive: Bool,
                      date: [UInt8], into out: inout [UInt8]) {
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
        out.append(contentsOf: response.fieldLines)
        if !response.requestID.isEmpty {
            out.append(contentsOf: requestIDPrefix)
            out.appendUTF8(response.requestID)
            out.append(0x0D)
            out.append(0x0A)
        }
        out.append(contentsOf: date)
        let noBody = HTTPResponse.hasNoBody(status: response.status, method: method)
        if !(response.status == 204 || (100..<200).contains(response.status)) {
            out.append(contentsOf: contentLengthPrefix)
            appendDecimal(response.body.isEmpty ? headLength ?? 0 : response.body.count, to: &out)
            out.append(0x0D)
            out.append(0x0A)
        }
        if !keepAlive {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if announceKeepAlive {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(0x0D)
        out.append(0x0A)
        if !noBody { out.append(contentsOf: response.body) }
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
