import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 exchange over a plain blocking socket, for what `TestClient` cannot do: bind the
/// client's source address (127.0.0.2 is another TCP peer to the gateway's per-peer rate limit),
/// send hop-by-hop fields (`Connection`, `TE`, `Upgrade`...) verbatim, and tell a truncated body
/// from a connection that never answered.
public enum SuiteRawHTTP {
    /// A parsed response.
    public struct Response: Sendable {
        /// The status code.
        public let status: Int
        /// Header fields in order, names as sent.
        public let headers: [(name: String, value: String)]
        /// The body (exactly `Content-Length` bytes when that was given).
        public let body: [UInt8]

        /// The first value of `name` (case-insensitive).
        public func header(_ name: String) -> String? { values(name).first }

        /// Every value of `name` (case-insensitive).
        public func values(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        }

        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }
    }

    /// Why no complete response arrived.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// socket/bind/connect failed (errno).
        case connect(Int32)
        /// The connection ended (or timed out) before the first response byte.
        case noResponse
        /// Some of the response arrived, then the connection ended or timed out: a truncated answer.
        case truncated(received: Int)
        /// The bytes are not an HTTP/1.1 response.
        case malformed

        public var description: String {
            switch self {
            case .connect(let code): "connect failed (errno \(code))"
            case .noResponse: "no response byte"
            case .truncated(let received): "truncated response after \(received) bytes"
            case .malformed: "malformed response"
            }
        }
    }

    /// Largest response read (test responses are small).
    static let responseBytesMax = 4 * 1024 * 1024

    /// Sends `GET`/`POST`... `target` to 127.0.0.1:`port` from `source`, with `Host` and
    /// `Connection: close` unless `headers` has its own `Connection`, and reads the whole response.
    public static func send(_ method: String = "GET", _ target: String, port: Int, from source: String = "127.0.0.1",
                            headers: [(String, String)] = [], body: String? = nil,
                            timeout: Duration = .seconds(10)) throws(Failure) -> Response {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !headers.contains(where: { $0.0.lowercased() == "connection" }) { head += "Connection: close\r\n" }
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        }
        head += "\r\n" + (body ?? "")
        return try exchange(Array(head.utf8), port: port, from: source, timeout: timeout)
    }

    /// The same, off the caller's thread (a blocking socket must not hold a cooperative thread).
    public static func sendAsync(_ method: String = "GET", _ target: String, port: Int, from source: String = "127.0.0.1",
                                 headers: [(String, String)] = [], body: String? = nil,
                                 timeout: Duration = .seconds(10)) async -> Result<Response, Failure> {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(Failure) {
                    continuation.resume(returning: .success(
                        try send(method, target, port: port, from: source, headers: headers, body: body, timeout: timeout)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.start()
        }
    }

    /// Writes `request` as is and reads one response (until `Content-Length` is satisfied, or EOF;
    /// none for a HEAD).
    public static func exchange(_ request: [UInt8], port: Int, from source: String = "127.0.0.1",
                                timeout: Duration = .seconds(10)) throws(Failure) -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .connect(errno) }
        defer { close(fd) }
        let seconds = timeout.components.seconds
        var interval = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        guard withAddress(source, port: 0, { bind(fd, $0, $1) }) == 0,
              withAddress("127.0.0.1", port: port, { connect(fd, $0, $1) }) == 0
        else { throw .connect(errno) }
        var offset = 0
        while offset < request.count {
            let sent = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw .noResponse }
            offset += sent
        }
        return try readResponse(fd, bodyless: request.starts(with: Array("HEAD ".utf8)))
    }

    /// Reads until `RawResponse.parse` (the raw client's strict parser) sees one whole response.
    private static func readResponse(_ fd: Int32, bodyless: Bool) throws(Failure) -> Response {
        var input: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while input.count < responseBytesMax {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count > 0 { input += chunk[0..<count] }
            // At EOF (or timeout/reset) only a response delimited by the close can be complete.
            switch RawResponse.parse(input[...], bodyless: bodyless, atEOF: count == 0) {
            case .complete(let response, _):
                return Response(status: response.status, headers: response.headers, body: response.body)
            case .malformed:
                throw .malformed
            case .incomplete:
                if count <= 0 { throw input.isEmpty ? .noResponse : .truncated(received: input.count) }
            }
        }
        throw .malformed
    }

    /// Calls `body` with `host:port` as a `sockaddr_in` (also for ``AttackSocket``).
    static func withAddress(_ host: String, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return -1 }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
