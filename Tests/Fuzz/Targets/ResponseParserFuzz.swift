// libFuzzer target: ResponseParser, fed the way UpstreamConnection feeds it (one parse call per
// read; what it leaves kept and parsed again with the next read; the end of the stream last).
// Input: 3 control bytes (a split point, a mode byte: bit 0 HEAD request), then the stream.
// Properties:
//  - fed whole and in two pieces (and, mode bit 1, a byte at a time) it gives the same response
//    (status, field lines, body, keep-alive) or the same failure;
//  - a response it returns, written again (status line, its field lines, the body framed the same
//    way) and parsed, is the same response;
//  - the heap held stays under 16 x the input plus 8 KiB (three runs' field lines and bodies, each
//    at most twice its length, and the read buffer).
@testable import HTTP


struct ResponseRun: Equatable {
    enum End: Equatable { case response, failure, unfinished }
    var end = End.unfinished
    var status = 0
    var fieldLines: [UInt8] = []
    var body: [UInt8] = []
    var keepAlive = false
}

func feedResponse(_ bytes: [UInt8], feedsEndingAt splits: [Int], head: Bool, limits: HTTPLimits,
                  sample: () -> Void = {}) -> ResponseRun {
    var parser = ResponseParser(limits: limits)
    parser.requestWasHead = head
    var input: [UInt8] = []
    var fed = 0
    var run = ResponseRun()
    // Indexing, not `splits + [count]`: that copy (8 bytes a split point) would count against the
    // parser's heap bound.
    for index in 0...splits.count {
        let end = index < splits.count ? splits[index] : bytes.count
        guard end > fed && end <= bytes.count else { continue }
        input.append(contentsOf: bytes[fed..<end])
        fed = end
        let (event, consumed) = input.withUnsafeBytes { parser.parse($0) }
        sample()
        fuzzCheck(consumed <= input.count, "consumed past the input")
        input.removeFirst(consumed)
        switch event {
        case .needMore:
            continue
        case .response(let response, let keepAlive):
            return ResponseRun(end: .response, status: response.status, fieldLines: response.fieldLines,
                               body: response.body, keepAlive: keepAlive && input.isEmpty && fed == bytes.count)
        case .failure, .streamHead:  // never a stream head: streamsEventStreams is off
            run.end = .failure
            return run
        }
    }
    if let response = parser.finishAtEOF() {
        return ResponseRun(end: .response, status: response.status, fieldLines: response.fieldLines,
                           body: response.body, keepAlive: false)
    }
    return run
}

@_cdecl("LLVMFuzzerTestOneInput")
public func responseParserFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let split = input.word()
    let mode = input.byte()
    let bytes = input.rest
    var limits = HTTPLimits()
    if mode & 4 != 0 {
        limits.headerBytesMax = 256
        limits.requestLineBytesMax = 64
        limits.bodyBytesMax = 64
    }
    let head = mode & 1 != 0
    // Made before the watch starts: the harness's own list is not the parser's memory.
    let byByteSplits = mode & 2 != 0 && bytes.count <= 2048 ? Array(0..<bytes.count) : []
    var watch = AllocationWatch()
    // keepAlive folds in "nothing was left over", which is the same either way once all is fed.
    let whole = sameWholeAndSplit(splits: [split % (bytes.count + 1)], byByteSplits: byByteSplits) {
        feedResponse(bytes, feedsEndingAt: $0, head: head, limits: limits, sample: { watch.sample() })
    }
    watch.check(inputCount: bytes.count, factor: 16, constant: 8192, "ResponseParser")

    guard whole.end == .response else { return 0 }
    var text = Array("HTTP/1.1 \(whole.status) X\r\n".utf8) + whole.fieldLines + [0x0D, 0x0A]
    let lower = String(decoding: whole.fieldLines, as: UTF8.self).lowercased()
    let chunked = lower.hasPrefix("transfer-encoding:") || lower.contains("\r\ntransfer-encoding:")
    if chunked && !whole.body.isEmpty {
        text += Array(String(whole.body.count, radix: 16).utf8) + [0x0D, 0x0A] + whole.body + [0x0D, 0x0A]
    }
    if chunked && !head && whole.status != 204 && whole.status != 304 { text += Array("0\r\n\r\n".utf8) }
    if !chunked { text += whole.body }
    let again = feedResponse(text, feedsEndingAt: [], head: head, limits: limits)
    fuzzCheck(again.end == .response && again.status == whole.status && again.fieldLines == whole.fieldLines
              && again.body == whole.body,
              "written again as \(String(decoding: text, as: UTF8.self).debugDescription) it parsed as \(again), first \(whole)")
    return 0
}
