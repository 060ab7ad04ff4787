// libFuzzer target: RequestParser over pipelined input.
// Input: 5 control bytes (two split points, a mode byte), then the byte stream.
// Properties:
//  - fed whole, in three pieces at the chosen split points, and (mode bit 1) a byte at a time,
//    the stream gives the same requests, each ending at the same offset, and the same failure;
//  - every request, serialized again (its fields as parsed, its body re-framed the way it came)
//    and parsed alone, is the same request;
//  - the heap held while parsing stays under 64 KiB + 32 x the input (the body reservation is at
//    most 64 KiB before the bytes arrive, RequestParser.swift).
@testable import HTTP


/// Small limits (mode bit 0) reach every limit branch with short inputs.
func fuzzLimits(small: Bool) -> HTTPLimits {
    var limits = HTTPLimits()
    if small {
        limits.requestLineBytesMax = 64
        limits.headerBytesMax = 256
        limits.headerFieldsMax = 8
        limits.bodyBytesMax = 512
        limits.chunkLineBytesMax = 32
    }
    return limits
}

/// The request as a client would send it again: fields as parsed, the body framed the way it came.
func serialize(_ request: FedRequest) -> [UInt8] {
    var out = Array("\(request.method) \(request.target) HTTP/1.\(request.minor)\r\n".utf8)
    var chunked = false
    for field in request.fields {
        out += field + [0x0D, 0x0A]
        if String(decoding: field.prefix(18), as: UTF8.self).lowercased() == "transfer-encoding:" { chunked = true }
    }
    out += [0x0D, 0x0A]
    if chunked {
        if !request.body.isEmpty {
            out += Array(String(request.body.count, radix: 16).utf8) + [0x0D, 0x0A] + request.body + [0x0D, 0x0A]
        }
        out += Array("0\r\n\r\n".utf8)
    } else {
        out += request.body
    }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func requestParserFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let first = input.word()
    let second = input.word()
    let mode = input.byte()
    let message = input.rest
    let limits = fuzzLimits(small: mode & 1 != 0)
    // Made before the watch starts: the harness's own list is not the parser's memory.
    let byByteSplits = mode & 2 != 0 && message.count <= 2048 ? Array(0..<message.count) : []
    var watch = AllocationWatch()

    let splits = [first % (message.count + 1), second % (message.count + 1)].sorted()
    let whole = sameWholeAndSplit(splits: splits, byByteSplits: byByteSplits) {
        RequestFeed.run(message, feedsEndingAt: $0, limits: limits, sample: { watch.sample() })
    }
    watch.check(inputCount: message.count, factor: 32, constant: 64 * 1024 + 4096, "RequestParser")

    var previousEnd = 0
    for request in whole.requests {
        fuzzCheck(request.end > previousEnd, "request ends went backwards: \(whole)")
        previousEnd = request.end
        // Default limits for the copy: it writes `name: value` with one space, which may be longer
        // than the original `name:value` and cross a small limit the original stayed under.
        let again = RequestFeed.run(serialize(request), feedsEndingAt: [], limits: HTTPLimits())
        var expected = request
        expected.end = again.requests.first?.end ?? -1
        fuzzCheck(again.requests == [expected] && again.status == nil && !again.open,
                  "re-serialized \(request) parsed as \(again)")
    }
    return 0
}
