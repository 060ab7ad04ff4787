#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves one connection: HTTP/1.1 requests in sequence (keep-alive) until close, stop or idle timeout.
/// Only what curl sends for a GET is understood; a request with a body is refused.
struct FakeConnection {
    let fd: Int32
    let script: FakeScript
    let server: LoopbackThreadServer

    func serve() {
        var buffer: [UInt8] = []
        var idleMs = 0
        while !server.isStopped {
            if let end = FakeSocket.headEnd(buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                guard let request = FakeRequestHead(head) else {
                    let refusal = FakeHTTPResponse(status: 400, body: Array("bad request".utf8))
                    _ = FakeSocket.sendAll(fd, refusal.serialized(close: true))
                    return
                }
                guard respond(to: request) else { return }
                continue
            }
            guard buffer.count <= FakeServer.Limits.headerBytesMax else { return }
            guard FakeSocket.waitReadable(fd, timeoutMs: FakeServer.Limits.pollSliceMs) else {
                idleMs += Int(FakeServer.Limits.pollSliceMs)
                if idleMs >= FakeServer.Limits.idleTimeoutMs { return }
                continue
            }
            idleMs = 0
            guard receive(into: &buffer) else { return }
        }
    }

    /// Answers one request; false when the connection must end.
    private func respond(to request: FakeRequestHead) -> Bool {
        let (action, delayMs) = script.handle(target: request.target)
        if delayMs > 0, !pause(milliseconds: min(delayMs, FakeServer.Limits.delayMaxMs)) { return false }
        switch action {
        case .hang:
            drainUntilClosed()
            return false
        case .reply(let response):
            let close = request.wantsClose || !response.declaresLength
            return FakeSocket.sendAll(fd, response.serialized(close: close)) && !close
        }
    }

    /// Appends what is readable; false on EOF or error (shutdown by `stop()` reads as EOF).
    private func receive(into buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }

    /// `hang`: keep reading and discarding until the client gives up, `stop()`, or the idle timeout.
    private func drainUntilClosed() {
        var buffer: [UInt8] = []
        var waitedMs = 0
        while !server.isStopped, waitedMs < FakeServer.Limits.idleTimeoutMs {
            if FakeSocket.waitReadable(fd, timeoutMs: FakeServer.Limits.pollSliceMs) {
                guard receive(into: &buffer) else { return }
                buffer.removeAll(keepingCapacity: true)
            } else {
                waitedMs += Int(FakeServer.Limits.pollSliceMs)
            }
        }
    }

    /// Sleeps in 10 ms slices so that `stop()` is not held up; false when stopped meanwhile.
    private func pause(milliseconds: Int) -> Bool {
        var left = milliseconds
        while left > 0 {
            if server.isStopped { return false }
            let slice = min(left, 10)
            usleep(useconds_t(slice * 1000))
            left -= slice
        }
        return !server.isStopped
    }

    /// Offset of the blank line ending the head (`\r\n\r\n`), if received.
}

/// The request line and the two headers the fake cares about.
struct FakeRequestHead {
    let target: String
    let wantsClose: Bool

    /// Nil for anything but a body-less `GET` in HTTP/1.x.
    init?(_ head: String) {
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = (lines.first ?? "").split(separator: " ")
        guard requestLine.count == 3, requestLine[0] == "GET", requestLine[2].hasPrefix("HTTP/1.") else {
            return nil
        }
        var close = requestLine[2] == "HTTP/1.0"  // 1.0 closes unless it asks for keep-alive
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].lowercased()
            let value = parts[1].trimmingCharacters(in: .whitespaces).lowercased()
            if name == "connection" { close = value == "close" }
            if name == "content-length", value != "0" { return nil }
            if name == "transfer-encoding" { return nil }
        }
        target = String(requestLine[1])
        wantsClose = close
    }
}
