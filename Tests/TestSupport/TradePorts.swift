import Foundation
import Sockets
import Synchronization

/// Ports for real processes that no port-0 bind can take meanwhile.
///
/// `ServiceProcess.freePort()` returns a port from the kernel's ephemeral range that was free a
/// moment ago; in-process services started in parallel bind port 0 and draw from the same range,
/// so one of them can take the port before the process binds it (the process then fails, or its
/// health check reaches the wrong server). A port below the ephemeral range
/// (`/proc/sys/net/ipv4/ip_local_port_range`) is never handed out for port 0.
public enum TradePorts {
    /// A bindable port between 20000 and the ephemeral range's start, different from `excluding`.
    ///
    /// A port is handed out at most once per test process: bindable is only "free a moment ago", and
    /// two suites starting in parallel could otherwise both pick it; the second service then fails to
    /// bind while its health check, reaching the first's, passes (seen: a gateway test stopping "its"
    /// trade, which had exited long before, while the other suite's trade kept answering).
    public static func outsideEphemeralRange(excluding: Set<Int> = []) -> Int {
        let low = ephemeralLow()
        let upper = max(20_001, min(low, 32_768)) - 1
        for _ in 0..<200 {
            let port = Int.random(in: 20_000...upper)
            guard !excluding.contains(port), isBindable(port) else { continue }
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        return ServiceProcess.ephemeralPort()
    }

    private static let handedOut = Mutex<Set<Int>>([])

    static func ephemeralLow() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32_768
    }

    static func isBindable(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard let address = SocketAddress(host: "127.0.0.1", port: port) else { return false }
        return address.withSockaddr { bind(fd, $0, $1) } == 0
    }
}
