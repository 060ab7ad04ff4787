import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A raw-socket stand-in for one of the gateway's upstreams, on 127.0.0.1 port 0.
///
/// Each connection carries one request. In `.echo` mode the answer is 200 whose body is the request
/// head exactly as received, with hop-by-hop fields the gateway must strip on the way back
/// (`Connection: close, X-Secret`, `X-Secret`, `Keep-Alive`, `Upgrade`, `Proxy-Connection`) plus an
/// end-to-end `X-Echo: yes` that must survive. In `.silent` mode it reads the request and never
/// answers (until the client gives up or `stop()`), to provoke the gateway's 504. In
/// `.dropsSecondRequest` mode it answers the first request of each connection with a plain
/// keep-alive 200 (`served`) and closes the connection, unanswered, when a second request arrives
/// on it: the race of a pooled connection the service closed just as it was reused. Every request head
/// is recorded, so a test can prove that a request did, or did not, arrive.
public final class SuiteEchoUpstream: Sendable {
    /// How requests are answered.
    public enum Behaviour: Sendable {
        case echo, silent, dropsSecondRequest
        /// Like `echo`, but with no `Connection` field: the gateway's byte-level path for
        /// response fields (`ReverseProxy.relayed`) filters the other hop-by-hop fields.
        case echoWithoutConnectionField
        /// Answers bytes that are not HTTP, then closes.
        case garbage
        /// Starts a 200 promising 100 body bytes, sends 10, then closes.
        case truncatedBody
        /// Echoes on a kept-alive connection, each answer in five pieces with pauses between
        /// them (the status line, the fields and the body each split), so that no read sees a
        /// whole response; then serves the connection's next request the same way, recorded with
        /// ``reusedMark`` after its head.
        case dribbles
        /// Echoes, followed in the same write by bytes nobody asked for; a request that arrives
        /// afterwards on the same connection is recorded with ``reusedMark`` after its head.
        case trailingBytes
        /// Answers a HEAD with a head promising a body (as HEAD answers do) and, in breach of
        /// RFC 9112 §6.3, sends that "body" late: only when the connection's next request arrives,
        /// and shaped as a whole response (``forgedAnswer``), which a client that pooled the
        /// connection would take for the next request's answer. Other requests are echoed
        /// (keep-alive), the ones on a reused connection recorded with ``reusedMark``.
        case bodyAfterHead
        /// Answers `GET /health` at once (so the gateway's start counts it healthy) and nothing else.
        case silentButHealthy
    }

    /// Limits: small, this serves tests.
    private enum Limits {
        static let headBytesMax = 64 * 1024
        static let pollSliceMs = LoopbackThreadServer.Limits.pollSliceMs
        /// A connection (even a silent one) is dropped after this.
        static let connectionLifetimeMs: Int32 = 30_000
        /// `dribbles`: requests served on one connection, and the pause between pieces.
        static let requestsPerConnectionMax = 16
        static let dribblePauseUs: UInt32 = 20_000
    }

    /// What ``Behaviour/bodyAfterHead`` sends after a HEAD answer: bytes that parse as a response.
    public static let forgedAnswer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nforged"

    /// Follows a recorded head that came on a connection which had served a request already.
    public static let reusedMark = "\r\n(reused connection)"

    /// The listening port.
    public var port: Int { listener.port }
    private let behaviour: Behaviour
    private let listener: LoopbackThreadServer
    private let heads = Mutex<[String]>([])

    /// Binds 127.0.0.1 port 0 and starts accepting.
    public init(_ behaviour: Behaviour = .echo) throws {
        listener = try LoopbackThreadServer(name: "suite-echo")
        self.behaviour = behaviour
        // Weak: the listener's threads must not keep the upstream alive past `deinit`'s `stop()`.
        listener.start { [weak self] fd in self?.serve(fd) }
    }

    deinit { stop() }

    /// `http://127.0.0.1:PORT`, for `STOCK_URL` and friends.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The request heads received (request line and fields, without the final empty line), oldest
    /// first; `GET /health` probes (the gateway's aggregate health) are left out.
    public var requestHeads: [String] { heads.withLock { $0 }.filter { !$0.hasPrefix("GET /health ") } }

    /// How many requests other than `GET /health` arrived.
    public var requestCount: Int { requestHeads.count }

    /// Closes the listener and every connection; waits (bounded) for the threads. Idempotent.
    public func stop() { listener.stop() }

    private var isStopped: Bool { listener.isStopped }

    private func serve(_ fd: Int32) {
        // Each piece of `dribbles` leaves when written, not held back for an ACK.
        FakeSocket.setNoDelay(fd)
        guard let head = readHead(fd) else { return }
        heads.withLock { $0.append(head) }
        switch behaviour {
        case .echo:
            let body = Array(head.utf8)
            let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\n"
                + "Connection: close, X-Secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nUpgrade: h2c\r\n"
                + "Proxy-Connection: x\r\nX-Echo: yes\r\n\r\n"
            _ = FakeSocket.sendAll(fd, Array(response.utf8) + body)
        case .echoWithoutConnectionField:
            let body = Array(head.utf8)
            let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: \(body.count)\r\n"
                + "Keep-Alive: timeout=5\r\nUPGRADE: h2c\r\nProxy-Connection: x\r\nTE: trailers\r\nTrailer: X-T\r\n"
                + "Date: Mon, 01 Jan 2001 00:00:00 GMT\r\nX-Request-ID: upstream-id\r\n"
                + "X-Echo:  Yes, spaced\r\nx-lower: v\r\n\r\n"
            _ = FakeSocket.sendAll(fd, Array(response.utf8) + body)
        case .garbage:
            _ = FakeSocket.sendAll(fd, Array("SMTP ready, not HTTP\r\n\r\n".utf8))
        case .truncatedBody:
            _ = FakeSocket.sendAll(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789".utf8))
        case .dropsSecondRequest:
            let first = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nserved"
            guard FakeSocket.sendAll(fd, Array(first.utf8)), let second = readHead(fd) else { return }
            heads.withLock { $0.append(second) }  // and close without a byte of answer
        case .dribbles:
            var head = head
            for _ in 0..<Limits.requestsPerConnectionMax {
                let body = Array(head.utf8)
                let response = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
                let cuts = [0, 11, 30, response.count - body.count, response.count - body.count / 2, response.count]
                for (from, to) in zip(cuts, cuts.dropFirst()) {
                    guard FakeSocket.sendAll(fd, Array(response[from..<to])) else { return }
                    usleep(Limits.dribblePauseUs)  // kept: paces the pieces so each arrives in a read of its own
                }
                guard let next = readHead(fd) else { return }
                heads.withLock { $0.append(next + Self.reusedMark) }
                head = next
            }
        case .trailingBytes:
            let body = Array(head.utf8)
            let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.count)\r\n\r\n"
            guard FakeSocket.sendAll(fd, Array(response.utf8) + body + Array("HTTP/1.1 200 OK\r\nContent-Le".utf8)),
                  let next = readHead(fd) else { return }
            heads.withLock { $0.append(next + Self.reusedMark) }
        case .bodyAfterHead:
            var head = head
            var owesBody = false
            for served in 0..<Limits.requestsPerConnectionMax {
                if served > 0 { heads.withLock { $0.append(head + Self.reusedMark) } }
                let answer: String
                if owesBody {
                    answer = Self.forgedAnswer  // the HEAD's late "body"; this request is never answered
                    owesBody = false
                } else if head.hasPrefix("HEAD ") {
                    answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(Self.forgedAnswer.utf8.count)\r\n\r\n"
                    owesBody = true
                } else {
                    answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(head.utf8.count)\r\n\r\n" + head
                }
                guard FakeSocket.sendAll(fd, Array(answer.utf8)), let next = readHead(fd) else { return }
                head = next
            }
        case .silentButHealthy where head.hasPrefix("GET /health "):
            _ = FakeSocket.sendAll(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}".utf8))
        case .silent, .silentButHealthy:
            // Hold the connection, answering nothing, until the peer leaves or we stop.
            var waited: Int32 = 0
            var scratch = [UInt8](repeating: 0, count: 4096)
            while !isStopped && waited < Limits.connectionLifetimeMs {
                if FakeSocket.waitReadable(fd, timeoutMs: Limits.pollSliceMs) {
                    if scratch.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) <= 0 { return }
                }
                waited += Limits.pollSliceMs
            }
        }
    }

    /// Reads up to the end of the head (and discards a `Content-Length` body); the head as text.
    private func readHead(_ fd: Int32) -> String? {
        var input: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 4096)
        var waited: Int32 = 0
        while input.count < Limits.headBytesMax && waited < 10_000 && !isStopped {
            if let end = FakeSocket.headEnd(input) {
                let head = String(decoding: input[0..<end], as: UTF8.self)
                discardBody(fd, head: head, already: input.count - end - 4)
                return head
            }
            guard FakeSocket.waitReadable(fd, timeoutMs: Limits.pollSliceMs) else {
                waited += Limits.pollSliceMs
                continue
            }
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            input += scratch[0..<count]
        }
        return nil
    }

    private func discardBody(_ fd: Int32, head: String, already: Int) {
        let length = head.components(separatedBy: "\r\n").lazy
            .compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
        var remaining = length - already
        var scratch = [UInt8](repeating: 0, count: 4096)
        while remaining > 0 && FakeSocket.waitReadable(fd, timeoutMs: 2000) {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, remaining), 0) }
            guard count > 0 else { return }
            remaining -= count
        }
    }

}
