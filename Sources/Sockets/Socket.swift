#if canImport(Glibc)
import Glibc
#endif
import CSockets

/// Thin, non-owning helpers over a socket file descriptor. Ownership (who closes) stays with the
/// caller: the HTTP layer's connection and listener types.
public enum Socket {
    /// A listening TCP socket, non-blocking, with `SO_REUSEADDR` and optionally `SO_REUSEPORT`
    /// (one listener per event loop lets the kernel spread accepts across loops without a shared
    /// accept lock).
    public static func listen(on address: SocketAddress, backlog: Int32, reusePort: Bool) throws -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        do {
            try setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if reusePort { try setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
            try address.withSockaddr { ptr, len in
                guard bind(fd, ptr, len) == 0 else { throw SocketError("bind \(address)") }
            }
            guard Glibc.listen(fd, backlog) == 0 else { throw SocketError("listen") }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// A non-blocking TCP socket with a connect in progress (or done). `EINPROGRESS` is not an error;
    /// the caller waits for writability and then reads `SO_ERROR` via ``pendingError(_:)``.
    public static func startConnect(to address: SocketAddress) throws -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        let rc = address.withSockaddr { connect(fd, $0, $1) }
        if rc != 0 && errno != EINPROGRESS {
            let error = SocketError("connect \(address)")
            close(fd)
            throw error
        }
        try? setNoDelay(fd)
        return fd
    }

    /// Accepts one pending connection as a non-blocking socket; `nil` when none is waiting.
    public static func accept(_ listener: Int32) throws -> (fd: Int32, peer: SocketAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                csockets_accept(listener, $0, &length)
            }
        }
        if fd < 0 {
            switch errno {
            // accept(2): Linux reports a pending network error of the new connection through
            // accept itself; treat those like EAGAIN. What is left (EMFILE, ENFILE, ENOBUFS,
            // ENOMEM) is the server's own shortage.
            case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED, EPROTO, ENETDOWN, ENOPROTOOPT, EHOSTDOWN, ENONET,
                 EHOSTUNREACH, EOPNOTSUPP, ENETUNREACH: return nil
            default: throw SocketError("accept")
            }
        }
        return (fd, SocketAddress(storage: storage, length: length))
    }

    /// Disables Nagle's algorithm: every response is written whole, so batching only adds the
    /// delayed-ACK stall (about 40 ms a request; see PITFALLS.md).
    public static func setNoDelay(_ fd: Int32) throws {
        try setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
    }

    /// The port a socket is bound to (useful after binding port 0).
    public static func localAddress(_ fd: Int32) throws -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard rc == 0 else { throw SocketError("getsockname") }
        return SocketAddress(storage: storage, length: length)
    }

    /// The error of a finished non-blocking connect (0 on success).
    public static func pendingError(_ fd: Int32) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) == 0 else { return errno }
        return value
    }

    /// Raises the soft open-file limit to the hard limit, so that 10,000 idle connections fit.
    /// Failure is harmless: the server then runs with the limit it was given.
    public static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws {
        var value = value
        guard setsockopt(fd, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError("setsockopt \(name)")
        }
    }
}
