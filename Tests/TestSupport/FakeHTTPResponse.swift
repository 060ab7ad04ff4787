/// One response of the fake, serialized in a single buffer so it goes out in one `send`
/// (PITFALLS.md: split writes meet delayed ACK).
struct FakeHTTPResponse: Sendable {
    let status: Int
    let body: [UInt8]
    /// False: no `Content-Length`, body ends at connection close (HTTP/1.1 RFC 9112 §6.3 rule 8).
    var declaresLength = true

    static func json(_ text: String) -> FakeHTTPResponse { .init(status: 200, body: Array(text.utf8)) }

    /// The bytes on the wire. `close` adds `Connection: close` (a server closing a keep-alive connection
    /// must say so, PITFALLS.md); a body without length always closes.
    func serialized(close: Bool) -> [UInt8] {
        let reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Internal Server Error"
        let type = body.first == UInt8(ascii: "{") ? "application/json" : "text/plain"
        var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(type)\r\n"
        if declaresLength { head += "Content-Length: \(body.count)\r\n" }
        if close || !declaresLength { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}
