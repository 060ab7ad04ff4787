#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A Server-Sent Events reader over a blocking loopback socket: sends one GET, reads the head,
/// then decodes the body (chunked, or to the close) into events as they arrive. Every read has a
/// deadline. Use from a thread that may block (``rawBlocking(_:)``).
public final class EventStreamClient: @unchecked Sendable {
    /// One event as the client reads it (WHATWG HTML §9.2.6): its `event`, `id` and `data` fields.
    public struct Event: Sendable, Equatable {
        public var event = "message"
        public var id: String?
        public var data = ""

        public init(event: String = "message", id: String? = nil, data: String = "") {
            self.event = event
            self.id = id
            self.data = data
        }
    }

    public private(set) var fd: Int32
    /// The status and fields of the answer.
    public private(set) var head: RawResponse?
    /// Decoded body bytes not yet made into events.
    private var body: [UInt8] = []
    /// Raw bytes read past what was decoded.
    private var raw: [UInt8] = []
    private var chunked = false
    private var chunkRemaining = 0
    /// Comment lines (`: keep-alive`) seen so far.
    public private(set) var comments = 0
    /// The body ended (the last chunk, or the close).
    public private(set) var ended = false

    /// Connects and sends `GET target` with `fields` (`Name: value` each).
    public init(port: Int, target: String, fields: [String] = []) throws {
        let client = try RawClient(port: port)
        fd = dup(client.fd)
        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        for field in fields { request += field + "\r\n" }
        request += "\r\n"
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    deinit { close() }

    /// Closes the socket (the client goes away).
    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Reads until the head is in; nil on timeout or a close before it.
    public func readHead(timeout: Duration = .seconds(5)) -> RawResponse? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let end = Self.find(Array("\r\n\r\n".utf8), in: raw) {
                let headBytes = raw[..<(end + 4)]
                raw.removeFirst(end + 4)
                guard case .complete(let response, _) = RawResponse.parse(headBytes, bodyless: true)
                else { return nil }
                head = response
                chunked = response.header("Transfer-Encoding")?.lowercased() == "chunked"
                decode()
                return response
            }
            guard readOnce(until: deadline) else { return nil }
        }
    }

    /// The next event, reading as needed; nil on timeout or once the body has ended.
    public func nextEvent(timeout: Duration = .seconds(5)) -> Event? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let event = takeEvent() { return event }
            if ended { return nil }
            guard readOnce(until: deadline) else { return nil }
            decode()
        }
    }

    /// Reads until `count` more comment lines (heartbeats) have come; false on timeout.
    public func awaitComments(_ count: Int, timeout: Duration = .seconds(5)) -> Bool {
        let target = comments + count
        let deadline = ContinuousClock.now + timeout
        while comments < target {
            while takeEvent() != nil {}
            if comments >= target { return true }
            if ended { return false }
            guard readOnce(until: deadline) else { return false }
            decode()
        }
        return true
    }

    /// Reads until the body ends or the connection closes; true if it did before `timeout`.
    public func awaitEnd(timeout: Duration = .seconds(5)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !ended {
            guard readOnce(until: deadline) else { return ended }
            decode()
        }
        return true
    }

    // MARK: - Reading and decoding

    /// One read within `deadline`; false on timeout, and on a close (which ends the body).
    private func readOnce(until deadline: ContinuousClock.Instant) -> Bool {
        guard fd >= 0 else { return false }
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&poller, 1, max(1, milliseconds)) > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 {
            if head != nil { ended = true }  // the close ends the body either way
            return false
        }
        raw.append(contentsOf: buffer[0..<count])
        return true
    }

    private func decode() {
        guard head != nil else { return }
        if !chunked {
            body.append(contentsOf: raw)
            raw = []
            return
        }
        while true {
            if chunkRemaining > 0 {
                let take = min(chunkRemaining, raw.count)
                body.append(contentsOf: raw[0..<take])
                raw.removeFirst(take)
                chunkRemaining -= take
                if chunkRemaining > 0 { return }
                chunkRemaining = -1  // its CRLF
            }
            if chunkRemaining == -1 {
                guard raw.count >= 2 else { return }
                raw.removeFirst(2)
                chunkRemaining = 0
            }
            guard let lineEnd = Self.find(Array("\r\n".utf8), in: raw) else { return }
            let size = Int(String(decoding: raw[..<lineEnd], as: UTF8.self), radix: 16) ?? 0
            raw.removeFirst(lineEnd + 2)
            if size == 0 {
                ended = true
                return
            }
            chunkRemaining = size
        }
    }

    /// The first complete event of the body (comments counted and skipped), if one is in.
    private func takeEvent() -> Event? {
        while let end = Self.find(Array("\n\n".utf8), in: body) {
            let block = String(decoding: body[..<end], as: UTF8.self)
            body.removeFirst(end + 2)
            var event = Event()
            var hasField = false
            var dataLines: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix(":") {
                    comments += 1
                    continue
                }
                let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                var value = parts.count > 1 ? String(parts[1]) : ""
                if value.hasPrefix(" ") { value.removeFirst() }
                hasField = true
                switch name {
                case "event": event.event = value
                case "id": event.id = value
                case "data": dataLines.append(value)
                default: break
                }
            }
            if hasField {
                event.data = dataLines.joined(separator: "\n")
                return event
            }
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}
