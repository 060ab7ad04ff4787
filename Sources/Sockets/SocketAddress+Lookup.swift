#if canImport(Glibc)
import Glibc
#endif
import CSockets

extension SocketAddress {
    /// The first IPv4 address `getaddrinfo` gives for `host` (a compose service name), or `nil`.
    ///
    /// Blocks for as long as the system resolver takes (resolv.conf's timeout × attempts: seconds
    /// when a DNS server is gone), so it must never run on an event loop: the HTTP client calls it
    /// from its resolver threads (`HostResolver`).
    public static func lookup(host: String, port: Int) -> SocketAddress? {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: Int(first.pointee.ai_addrlen)))
        }
        return SocketAddress(storage: storage, length: first.pointee.ai_addrlen)
    }
}
