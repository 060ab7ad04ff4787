import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Unique request ids without a syscall per request: a random per-process prefix and a counter.
public enum RequestID {
    private static let prefix: String = {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }()
    private static let counter = Atomic<UInt64>(0)

    /// A new id, e.g. `3f9c0a1b2c3d4e5f-1a`.
    public static func next() -> String {
        let value = counter.add(1, ordering: .relaxed).newValue
        return prefix + "-" + String(value, radix: 16)
    }

    /// Whether a client-sent id is sane: 1 to 128 characters of `%x21-7E` (API.md).
    public static func isAcceptable(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }
}
