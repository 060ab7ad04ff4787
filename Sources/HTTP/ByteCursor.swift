/// Writes a run of short pieces (a prefix, a value, CRLF) into a buffer on the stack, which
/// `Array.appendPieces(maxCount:_:)` then appends in one copy. Each `append(contentsOf:)` on an
/// array checks uniqueness and capacity and calls a generic copy: a dozen of them per head were
/// 4% of the gateway's instructions per request (bench/RESULTS.md).
///
/// Bounds are checked on every write: writing past `maxCount` traps rather than overruns.
public struct ByteCursor: ~Copyable {
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    public private(set) var count = 0

    fileprivate init(_ buffer: UnsafeMutableRawBufferPointer) {
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    @inline(__always)
    public mutating func put(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= capacity - count, "ByteCursor overflow")
        if let source = bytes.baseAddress { (base + count).copyMemory(from: source, byteCount: bytes.count) }
        count += bytes.count
    }

    @inline(__always)
    public mutating func put(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { put($0) }
    }

    @inline(__always)
    public mutating func put(_ text: String) {
        var text = text
        text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    public mutating func put(_ byte: UInt8) {
        precondition(count < capacity, "ByteCursor overflow")
        base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    /// CR LF.
    @inline(__always)
    public mutating func putLineEnd() {
        precondition(capacity - count >= 2, "ByteCursor overflow")
        base.storeBytes(of: UInt16(0x0A0D).littleEndian, toByteOffset: count, as: UInt16.self)
        count += 2
    }

    /// A non-negative integer's decimal digits (at most 19 bytes).
    public mutating func putDecimal(_ value: Int) {
        precondition(value >= 0)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: Int.max has 19 digits
        withUnsafeMutableBytes(of: &digits) { buffer in
            var start = buffer.count
            var rest = value
            repeat {
                start -= 1
                buffer[start] = UInt8(truncatingIfNeeded: rest % 10) + 0x30
                rest /= 10
            } while rest > 0
            put(UnsafeRawBufferPointer(rebasing: buffer[start...]))
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends what `write` puts through the cursor, at most `maxCount` bytes, in one copy. Meant
    /// for short runs (a few hundred bytes): the buffer is a temporary allocation, on the stack
    /// when it is small.
    @inline(__always)
    public mutating func appendPieces(maxCount: Int, _ write: (inout ByteCursor) -> Void) {
        withUnsafeTemporaryAllocation(byteCount: maxCount, alignment: 8) { buffer in
            var cursor = ByteCursor(buffer)
            write(&cursor)
            append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[..<cursor.count]))
        }
    }
}
