// libFuzzer target: PercentDecoding (path segments and query values).
// Input: a mode byte (bit 0: plusAsSpace), then text.
// Properties:
//  - decoding never yields more bytes than the input, and only valid UTF-8 (a String);
//  - text without `%` (and `+` when plusAsSpace) decodes to itself;
//  - any UTF-8 text, percent-encoded byte by byte (each byte `%XX`, upper or lower case by the mode),
//    decodes back to itself;
//  - each decode holds under 4 x its input plus 1 KiB (measured around the call alone: the
//    harness's own strings are not the decoder's memory).
import Routing


@_cdecl("LLVMFuzzerTestOneInput")
public func percentDecodingFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let mode = input.byte()
    let plusAsSpace = mode & 1 != 0
    let rest = input.rest
    let text = String(decoding: rest, as: UTF8.self)
    var watch = AllocationWatch()
    let firstDecoded = PercentDecoding.decode(text, plusAsSpace: plusAsSpace)
    watch.sample()
    watch.check(inputCount: text.utf8.count, factor: 4, constant: 1024, "PercentDecoding")
    if let decoded = firstDecoded {
        fuzzCheck(decoded.utf8.count <= text.utf8.count, "decoded \(decoded.utf8.count) bytes from \(text.utf8.count)")
        if !text.utf8.contains(0x25) && !(plusAsSpace && text.utf8.contains(0x2B)) {
            fuzzCheck(decoded == text, "\(text.debugDescription) changed to \(decoded.debugDescription) without escapes")
        }
    }
    let digits = Array((mode & 2 != 0 ? "0123456789abcdef" : "0123456789ABCDEF").utf8)
    var encoded: [UInt8] = []
    for byte in text.utf8 { encoded += [0x25, digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
    let encodedText = String(decoding: encoded, as: UTF8.self)
    var secondWatch = AllocationWatch()
    let again = PercentDecoding.decode(encodedText, plusAsSpace: plusAsSpace)
    secondWatch.sample()
    secondWatch.check(inputCount: encoded.count, factor: 4, constant: 1024, "PercentDecoding")
    fuzzCheck(again == text, "\(text.debugDescription) encoded and decoded gave \(again.debugDescription)")
    return 0
}
