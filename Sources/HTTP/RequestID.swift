import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Unique request ids without a syscall per request: a random per-process prefix and a counter.
public enum RequestID {
    /// 16 hex digits, random per process.
    private static let prefix: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        return (0..<16).map { hexDigits[Int((value >> (60 - 4 * UInt64($0))) & 0xF)] }
    }()
    private static let counter = Atomic<UInt64>(0)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A new id, e.g. `3f9c0a1b2c3d4e5f-1a`. Written into one buffer: this runs for every request
    /// the gateway relays, where string interpolation and `String(_:radix:)` showed in profiles.
    public static func next() -> String {
        var value = counter.add(1, ordering: .relaxed).newValue
        var digits = 0
        var probe = value
        repeat {
            digits += 1
            probe >>= 4
        } while probe != 0
        return String(unsafeUninitializedCapacity: 17 + digits) { buffer in
            for index in 0..<16 { buffer[index] = prefix[index] }
            buffer[16] = UInt8(ascii: "-")
            var position = 16 + digits
            repeat {
                buffer[position] = hexDigits[Int(value & 0xF)]
                value >>= 4
                position -= 1
            } while position > 16
            return 17 + digits
        }
    }

    /// Whether a client-sent id is sane: 1 to 128 characters of `%x21-7E` (API.md).
    public static func isAcceptable(_ value: String) -> Bool {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }
}
