// Shared by every fuzz target and the differential driver (compiled with swiftc together with the
// Sources files each target needs; see scripts/fuzz). Not part of the SwiftPM package.
#if canImport(Glibc)
import Glibc
#endif

/// Ends the run with the property that broke; libFuzzer saves the input as a crash file.
func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() {
        let text = "fuzz property violated: " + message() + "\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        abort()
    }
}

/// Reads a little-endian control word off the front of a fuzz input (split points, modes).
struct FuzzInput {
    var bytes: [UInt8]
    var position = 0

    init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func word() -> Int { Int(byte()) | Int(byte()) << 8 }

    var rest: [UInt8] { Array(bytes[min(position, bytes.count)...]) }
}

/// Feeds the same bytes whole, in pieces ending at `splits`, and (when `byByteSplits` is not
/// empty; made by the caller before its allocation watch starts) a byte at a time; checks that
/// every way gives the same run and returns the whole one.
func sameWholeAndSplit<Run: Equatable>(splits: [Int], byByteSplits: [Int], _ feed: ([Int]) -> Run) -> Run {
    let whole = feed([])
    let pieces = feed(splits)
    fuzzCheck(whole == pieces, "split at \(splits) gave\n\(pieces)\nwhole gave\n\(whole)")
    if !byByteSplits.isEmpty {
        let byByte = feed(byByteSplits)
        fuzzCheck(whole == byByte, "byte by byte gave\n\(byByte)\nwhole gave\n\(whole)")
    }
    return whole
}
