#if canImport(Glibc)
import Glibc
#endif

/// One attacker's TCP connection to 127.0.0.1: bound to a chosen loopback source address (each is
/// another client to per-peer limits), blocking, with every wait bounded. For abuse tests that
/// hold hundreds of connections from one thread.
public final class AttackSocket: @unchecked Sendable {
    /// What a bounded read saw.
    public enum Read: Equatable, Sendable {
        case bytes([UInt8])
        /// The server closed (or reset) the connection.
        case closed
        /// Nothing within the wait.
        case nothing
    }

    /// The descriptor; -1 once closed.
    public private(set) var fd: Int32

    /// Connects from `source` (127.0.0.x) to 127.0.0.1:`port`. A server that stopped accepting
    /// still completes the handshake (the kernel's backlog), so this succeeds; `nil` on an error.
    public init?(port: Int, from source: String = "127.0.0.1", sendTimeoutSeconds: Int = 5) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        var interval = timeval(tv_sec: sendTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, socklen_t(MemoryLayout<timeval>.size))
        guard SuiteRawHTTP.withAddress(source, port: 0, { bind(fd, $0, $1) }) == 0,
              SuiteRawHTTP.withAddress("127.0.0.1", port: port, { connect(fd, $0, $1) }) == 0
        else {
            Glibc.close(fd)
            return nil
        }
    }

    deinit { close() }

    /// Sends every byte; false once the peer is gone (or the send timed out).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Sends what the kernel takes now, without waiting; the count taken (0 when its buffers are full).
    public func sendWithoutWaiting(_ bytes: ArraySlice<UInt8>) -> Int {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        return max(0, sent)
    }

    /// Sends UTF-8 text.
    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Waits up to `timeoutMs` for bytes.
    public func read(timeoutMs: Int32) -> Read {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMs) > 0 else { return .nothing }
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count > 0 { return .bytes(Array(scratch[0..<count])) }
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return .nothing }
        return .closed
    }

    /// Reads until a whole response head is in (then returns its status code), the connection
    /// closes, or `timeoutMs` passes.
    public func readStatus(timeoutMs: Int32) -> Int? {
        var input: [UInt8] = []
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMs))
        while ContinuousClock.now < deadline {
            let left = deadline - ContinuousClock.now
            let wait = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            switch read(timeoutMs: wait) {
            case .bytes(let bytes):
                input += bytes
                let text = String(decoding: input, as: UTF8.self)
                if text.contains("\r\n"), text.hasPrefix("HTTP/1.1 "), let status = Int(text.dropFirst(9).prefix(3)) {
                    return status
                }
            case .closed, .nothing:
                return nil
            }
        }
        return nil
    }

    /// Closes the connection (idempotent).
    public func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }
}
