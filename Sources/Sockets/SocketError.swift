#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which one, and the `errno` it left.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    /// The call that failed, e.g. `"bind"`.
    public let operation: String
    /// The `errno` value at the time of failure.
    public let code: Int32

    /// Captures the current `errno` for `operation`.
    public init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}
