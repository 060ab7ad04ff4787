import CSockets

/// The epoll event bits, re-exported so layers above need not import the C shim.
public enum EventMask {
    /// Data (or a connection, or EOF) to read.
    public static let readable = EPOLLIN.rawValue
    /// Room to write.
    public static let writable = EPOLLOUT.rawValue
    /// The peer shut down its write side.
    public static let peerClosed = EPOLLRDHUP.rawValue
    /// Hang-up.
    public static let hangup = EPOLLHUP.rawValue
    /// Error condition.
    public static let error = EPOLLERR.rawValue
    /// Wake only one of the loops waiting on a shared descriptor (listening sockets).
    public static let exclusive = EPOLLEXCLUSIVE.rawValue
}
