import Foundation
import Sockets

/// The `NAME healthcheck` subcommand: asks the local `/health` and answers with the exit code, so
/// container images need no curl.
///
/// `healthcheck --live` asks only whether the process answers at all (any status): the gateway's
/// `/health` is 503 while one upstream is down, and an orchestrator that restarts unhealthy tasks
/// (swarm) would otherwise restart every gateway for one trade shard's outage.
enum HealthCheck {
    /// Whether `GET /health` on 127.0.0.1:`port` answers 200 (or, `liveOnly`, any HTTP/1.1 status)
    /// within 2 seconds.
    static func isHealthy(port: Int, liveOnly: Bool = false) -> Bool {
        guard let address = SocketAddress(host: "127.0.0.1", port: port) else { return false }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard address.withSockaddr({ connect(fd, $0, $1) }) == 0 else { return false }
        let request = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count >= 12 else { return false }
        let statusLine = String(decoding: buffer[0..<12], as: UTF8.self)
        return liveOnly ? statusLine.hasPrefix("HTTP/1.1 ") : statusLine == "HTTP/1.1 200"
    }
}
