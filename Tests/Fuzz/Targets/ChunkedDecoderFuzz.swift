// libFuzzer target: ChunkedDecoder.
// Input: 3 control bytes (a split point, a mode byte), then the chunked body and whatever follows.
// Properties:
//  - fed whole and in two pieces (and, mode bit 1, a byte at a time) it consumes the same bytes,
//    decodes the same body and ends the same way; `needMore` means everything fed was consumed;
//  - a body it completes, chunked again (chunk sizes from the mode byte), decodes to the same body
//    and consumes exactly the re-encoding;
//  - the decoded body is never longer than the input, and the heap held stays under 16 x the input
//    plus 4 KiB (three runs' bodies, each at most twice its length by the array's geometric growth).
@testable import HTTP


struct ChunkedRun: Equatable {
    var consumed = 0
    var body: [UInt8] = []
    var outcome = ChunkedDecoder.Outcome.needMore
}

func decodeChunked(_ bytes: [UInt8], feedsEndingAt splits: [Int], limits: HTTPLimits,
                   sample: () -> Void = {}) -> ChunkedRun {
    var decoder = ChunkedDecoder()
    var run = ChunkedRun()
    var fed = 0
    for index in 0...splits.count {  // indexing: a copy of `splits` would count against the bound
        let end = index < splits.count ? splits[index] : bytes.count
        guard end > fed && end <= bytes.count else { continue }
        let (consumed, outcome) = bytes[fed..<end].withUnsafeBytes { decoder.decode($0, into: &run.body, limits: limits) }
        sample()
        fuzzCheck(consumed <= end - fed, "consumed \(consumed) of \(end - fed) bytes")
        run.consumed += consumed
        run.outcome = outcome
        if outcome != .needMore { return run }
        fuzzCheck(consumed == end - fed, "needMore after consuming \(consumed) of \(end - fed) bytes")
        fed = end
    }
    return run
}

@_cdecl("LLVMFuzzerTestOneInput")
public func chunkedDecoderFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let split = input.word()
    let mode = input.byte()
    let bytes = input.rest
    var limits = HTTPLimits()
    if mode & 1 != 0 {
        limits.bodyBytesMax = 256
        limits.chunkLineBytesMax = 16
        limits.headerBytesMax = 64
        limits.headerFieldsMax = 4
    }
    // Made before the watch starts: the harness's own list is not the decoder's memory.
    let byByteSplits = mode & 2 != 0 && bytes.count <= 4096 ? Array(0..<bytes.count) : []
    var watch = AllocationWatch()
    let whole = sameWholeAndSplit(splits: [split % (bytes.count + 1)], byByteSplits: byByteSplits) {
        decodeChunked(bytes, feedsEndingAt: $0, limits: limits, sample: { watch.sample() })
    }
    fuzzCheck(whole.body.count <= bytes.count, "decoded \(whole.body.count) bytes from \(bytes.count)")
    watch.check(inputCount: bytes.count, factor: 16, constant: 4096, "ChunkedDecoder")

    if whole.outcome == .done {
        var encoded: [UInt8] = []
        let step = Int(mode >> 2) + 1
        var offset = 0
        while offset < whole.body.count {
            let take = min(step, whole.body.count - offset)
            encoded += Array(String(take, radix: 16).utf8) + [0x0D, 0x0A] + whole.body[offset..<(offset + take)] + [0x0D, 0x0A]
            offset += take
        }
        encoded += Array("0\r\n\r\n".utf8)
        var roomy = limits
        roomy.chunkLineBytesMax = 16
        let again = decodeChunked(encoded, feedsEndingAt: [], limits: roomy)
        fuzzCheck(again == ChunkedRun(consumed: encoded.count, body: whole.body, outcome: .done),
                  "re-chunked body decoded as \(again)")
    }
    return 0
}
