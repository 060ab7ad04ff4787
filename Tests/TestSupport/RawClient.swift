#if canImport(Glibc)
import Glibc
#endif

/// A response as a raw client saw it on the wire.
public struct RawResponse: Sendable, CustomStringConvertible {
    /// The status line without its CRLF (`HTTP/1.1 200 OK`).
    public var statusLine: String
    /// The status code.
    public var status: Int
    /// The fields, in order.
    public var headers: [(name: String, value: String)]
    /// The body bytes (framed by `Content-Length`, or read to the close when there is none).
    public var body: [UInt8]

    /// The first value of `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of `name`.
    public func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Whether the server announced it will close the connection.
    public var saysClose: Bool {
        headerValues("Connection").contains { $0.lowercased().contains("close") }
    }

    public var description: String { "\(statusLine) \(headers.map { "\($0.name): \($0.value)" }) body=\(body.count)B" }

    /// What a byte stream holds at its start.
    public enum Parse: Sendable {
        /// A complete response and how many bytes it took.
        case complete(RawResponse, consumed: Int)
        /// Not enough bytes yet.
        case incomplete
        /// Not an HTTP/1.1 response (bad status line, bad field, bad length): the reason.
        case malformed(String)
    }

    /// Parses one response from the start of `bytes`. `bodyless` is for answers to `HEAD`;
    /// `atEOF` lets a response without `Content-Length` end at the close.
    public static func parse(_ bytes: ArraySlice<UInt8>, bodyless: Bool = false, atEOF: Bool = false) -> Parse {
        let start = bytes.startIndex
        // Find CRLF CRLF.
        var headEnd: Int? = nil
        var index = start
        while index + 3 < bytes.endIndex {
            if bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
                headEnd = index
                break
            }
            index += 1
        }
        guard let headEnd else {
            // Validate the prefix we have so a garbage stream fails fast.
            let prefix = Array("HTTP/1.1 ".utf8)
            let have = Array(bytes.prefix(prefix.count))
            if have != Array(prefix.prefix(have.count)) { return .malformed("does not start with HTTP/1.1") }
            return .incomplete
        }
        let headText = String(decoding: bytes[start..<headEnd], as: UTF8.self)
        let lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines[0]
        let statusBytes = Array(statusLine.utf8)
        // RFC 9112 §4: HTTP-version SP 3DIGIT SP [reason-phrase]
        guard statusBytes.count >= 13, statusLine.hasPrefix("HTTP/1.1 "),
              statusBytes[9...11].allSatisfy({ $0 >= 48 && $0 <= 57 }), statusBytes[12] == 32,
              !statusBytes.contains(where: { $0 < 32 && $0 != 9 }),
              let status = Int(String(decoding: statusBytes[9...11], as: UTF8.self)), (100...599).contains(status)
        else { return .malformed("bad status line \(statusLine.debugDescription)") }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[..<colon].contains(where: { $0 == " " || $0 == "\t" }),
                  !line.utf8.contains(where: { $0 < 32 && $0 != 9 })
            else { return .malformed("bad field line \(line.debugDescription)") }
            headers.append((String(line[..<colon]), rawTrim(line[line.index(after: colon)...])))
        }
        let bodyStart = headEnd + 4
        var response = RawResponse(statusLine: statusLine, status: status, headers: headers, body: [])
        if bodyless || status < 200 || status == 204 || status == 304 {
            return .complete(response, consumed: bodyStart - start)
        }
        let lengths = response.headerValues("Content-Length")
        if lengths.count > 1 { return .malformed("repeated Content-Length") }
        if let text = lengths.first {
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let length = Int(text) else {
                return .malformed("bad Content-Length \(text)")
            }
            guard bytes.endIndex - bodyStart >= length else { return .incomplete }
            response.body = Array(bytes[bodyStart..<(bodyStart + length)])
            return .complete(response, consumed: bodyStart + length - start)
        }
        if response.header("Transfer-Encoding") != nil { return .malformed("server sent Transfer-Encoding") }
        guard atEOF else { return .incomplete }
        response.body = Array(bytes[bodyStart...])
        return .complete(response, consumed: bytes.endIndex - start)
    }
}

/// How a raw read ended.
public enum RawReadEnd: Sendable, Equatable {
    /// The peer closed (EOF).
    case closed
    /// The peer reset the connection.
    case reset
    /// Nothing ended it before the timeout.
    case timedOut
}

/// A blocking TCP client for tests that need byte-exact control of what goes on the wire:
/// split writes, pipelining, half-closes, resets, and reads bounded by a timeout. Loopback only.
/// `@unchecked Sendable` only so a test can hand it to the thread that does its blocking I/O;
/// one thread uses it at a time.
public final class RawClient: @unchecked Sendable {
    /// The socket.
    public private(set) var fd: Int32
    /// Bytes received and not yet returned as a response.
    public private(set) var pending: [UInt8] = []
    /// Whether the peer closed (EOF or reset).
    public private(set) var sawEnd: RawReadEnd? = nil

    /// The `errno` of a failed connect.
    public struct ConnectError: Error, Sendable, Equatable {
        /// The errno.
        public let code: Int32
        /// An error for `code`.
        public init(code: Int32) { self.code = code }
    }

    /// Connects to 127.0.0.1:`port` (blocking; loopback connects finish at once or are refused).
    public init(port: Int) throws(ConnectError) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ConnectError(code: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            let code = errno
            Glibc.close(fd)
            fd = -1
            throw ConnectError(code: code)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Sends every byte; false if the peer is gone. `MSG_NOSIGNAL`: no SIGPIPE in the test process.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Sends UTF-8 text.
    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Shuts down our write side: the server sees EOF after what was sent.
    public func shutdownWrite() { Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with `SO_LINGER` 0, so the peer gets a reset instead of a FIN.
    public func reset() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    /// Closes the socket (idempotent).
    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Reads once, waiting at most until `deadline`. Returns false when nothing more will come
    /// (end or timeout), recording which in `sawEnd`.
    private func readOnce(until deadline: ContinuousClock.Instant, into buffer: inout [UInt8]) -> Bool {
        if sawEnd != nil { return false }
        let remaining = deadline - .now
        if remaining <= .zero {
            sawEnd = .timedOut
            return false
        }
        let (seconds, attoseconds) = remaining.components
        let milliseconds = Int32(min(Int64(60_000), seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready == 0 {
            sawEnd = .timedOut
            return false
        }
        if ready < 0 { return errno == EINTR }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        if count < 0 && errno == EINTR { return true }
        sawEnd = count == 0 ? .closed : .reset
        return false
    }

    /// Reads one complete response, or `nil` if the connection ended or `timeout` passed first
    /// (see `sawEnd`), or the bytes are not a response (`malformedReason` says why).
    public func readResponse(timeout: Duration = .seconds(3), bodyless: Bool = false) -> RawResponse? {
        let deadline = ContinuousClock.now + timeout
        malformedReason = nil
        while true {
            switch RawResponse.parse(pending[...], bodyless: bodyless, atEOF: sawEnd == .closed) {
            case .complete(let response, let consumed):
                pending.removeFirst(consumed)
                return response
            case .malformed(let why):
                malformedReason = why
                return nil
            case .incomplete:
                if sawEnd != nil && sawEnd != .timedOut { return nil }
                sawEnd = nil
                if !readOnce(until: deadline, into: &pending) {
                    if sawEnd == .closed, case .complete(let response, let consumed) =
                        RawResponse.parse(pending[...], bodyless: bodyless, atEOF: true) {
                        pending.removeFirst(consumed)
                        return response
                    }
                    return nil
                }
            }
        }
    }

    /// Why the last ``readResponse(timeout:bodyless:)`` found no response in the bytes, if it did not.
    public private(set) var malformedReason: String? = nil

    /// Reads until the peer closes or `timeout` passes; returns how it ended and the bytes seen
    /// (including any still pending).
    public func readToEnd(timeout: Duration = .seconds(3)) -> (end: RawReadEnd, bytes: [UInt8]) {
        let deadline = ContinuousClock.now + timeout
        if sawEnd == .timedOut { sawEnd = nil }
        while readOnce(until: deadline, into: &pending) {}
        let bytes = pending
        pending = []
        return (sawEnd ?? .timedOut, bytes)
    }

    /// Waits for the server to close without sending anything more: true on EOF (or reset) with
    /// no further bytes within `timeout`.
    public func closesQuietly(timeout: Duration = .seconds(3)) -> Bool {
        let (end, bytes) = readToEnd(timeout: timeout)
        return end != .timedOut && bytes.isEmpty
    }
}

/// Builds request bytes in tests.
public enum RawRequest {
    /// `METHOD target HTTP/1.1` with `Host` and the given extra field lines, then `body` with a
    /// matching `Content-Length` when it is not empty.
    public static func make(_ method: String = "GET", _ target: String = "/", fields: [String] = [],
                            body: String = "", version: String = "HTTP/1.1") -> [UInt8] {
        var text = "\(method) \(target) \(version)\r\nHost: test\r\n"
        for field in fields { text += field + "\r\n" }
        if !body.isEmpty { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + body
        return Array(text.utf8)
    }
}

/// The text without leading and trailing spaces and tabs.
private func rawTrim(_ text: Substring) -> String {
    String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
}
