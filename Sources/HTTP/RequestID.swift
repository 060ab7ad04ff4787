import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Unique request ids without a syscall per request: a random per-process prefix and a counter.
///
/// At most 15 bytes for a process's first 2^30 requests (8 + 1 + 6): Swift keeps such a string
/// inline, so an id costs no allocation and no reference counting as it travels with a request
/// (the gateway's id, 22 bytes before, showed in its profiles).
public enum RequestID {
    /// 8 base-32 digits (40 random bits) per process: two processes share a prefix, and so
    /// repeat each other's ids, with odds of one in a trillion.
    private static let prefix: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        return (0..<8).map { digits[Int((value >> (5 * UInt64($0))) & 0x1F)] }
    }()
    private static let counter = Atomic<UInt64>(0)
    /// base32hex (RFC 4648 §7) in lower case.
    private static let digits = Array("0123456789abcdefghijklmnopqrstuv".utf8)

    /// A new id, e.g. `3f9cuq1b-1a`: the prefix, a dash, the counter in base 32. Written into one
    /// buffer: string interpolation and `String(_:radix:)` showed in profiles.
    public static func next() -> String {
        var value = counter.add(1, ordering: .relaxed).newValue
        var count = 0
        var probe = value
        repeat {
            count += 1
            probe >>= 5
        } while probe != 0
        return String(unsafeUninitializedCapacity: 9 + count) { buffer in
            for index in 0..<8 { buffer[index] = prefix[index] }
            buffer[8] = UInt8(ascii: "-")
            var position = 8 + count
            repeat {
                buffer[position] = digits[Int(value & 0x1F)]
                value >>= 5
                position -= 1
            } while position > 8
            return 9 + count
        }
    }

    /// Whether a client-sent id is sane: 1 to 128 characters of `%x21-7E` (API.md).
    public static func isAcceptable(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }
}
