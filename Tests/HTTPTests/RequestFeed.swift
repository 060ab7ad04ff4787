// Drives a RequestParser exactly as HTTPConnection.process() does: parse from the first unconsumed
// byte, stop on needMore until more bytes arrive, go on after headComplete, after a request parse
// again only if bytes are left, stop at the first failure. One loop for the parser tables
// (ParserHarness) and the fuzz targets, which scripts/fuzz compiles with this file.
@testable import HTTP

/// One request as the parser handed it over, in a form that compares and prints.
struct FedRequest: Equatable, CustomStringConvertible {
    var method: String
    var target: String
    var minor: Int
    var keepAlive: Bool
    var continues: Bool
    /// Each field as `name: value` bytes (the value OWS-trimmed), not Strings: invalid UTF-8 would
    /// be replaced and the request would not serialize back to itself.
    var fields: [[UInt8]]
    var body: [UInt8]
    /// Offset in the stream just past this request (its last byte + 1).
    var end: Int

    var description: String {
        "\(method) \(target) 1.\(minor) keepAlive=\(keepAlive) continues=\(continues) "
            + "fields=\(fields.map { String(decoding: $0, as: UTF8.self).debugDescription }) body=\(body.count)B end=\(end)"
    }
}

/// Everything the parser said about one byte stream.
struct FedOutcome: Equatable, CustomStringConvertible {
    var requests: [FedRequest] = []
    var status: Int? = nil
    /// Bytes of an unfinished request were left.
    var open = false

    var description: String { "requests=\(requests) status=\(status.map(String.init) ?? "none") open=\(open)" }
}

enum RequestFeed {
    /// Feeds `message` in pieces ending at `splits` (then the rest), calling `sample` after every
    /// parse call (the allocation watch).
    static func run(_ message: [UInt8], feedsEndingAt splits: [Int], limits: HTTPLimits,
                    sample: () -> Void = {}) -> FedOutcome {
        var parser = RequestParser(limits: limits)
        var buffer: [UInt8] = []
        var start = 0
        var fed = 0
        var outcome = FedOutcome()
        var continues = false
        for index in 0...splits.count {  // indexing: a copy of `splits` would count against a heap bound
            let end = index < splits.count ? splits[index] : message.count
            guard end > fed && end <= message.count else { continue }
            buffer.append(contentsOf: message[fed..<end])
            fed = end
            // Bounded: each round consumes bytes, finishes a head, or stops.
            for _ in 0...(buffer.count - start + 2) * 2 {
                let (event, consumed) = buffer.withUnsafeBytes { raw in
                    parser.parse(UnsafeRawBufferPointer(rebasing: raw[start...]), peer: "192.0.2.1")
                }
                sample()
                precondition(consumed >= 0 && start + consumed <= buffer.count, "parser consumed past its input")
                start += consumed
                var stop = false
                switch event {
                case .needMore:
                    stop = true
                case .headComplete(let expectsContinue):
                    continues = expectsContinue
                case .request(let request):
                    var fields: [[UInt8]] = []
                    request.headers.forEachField { name, value in fields.append(Array(name) + [0x3A, 0x20] + Array(value)) }
                    outcome.requests.append(FedRequest(
                        method: request.method, target: request.target, minor: request.versionMinor,
                        keepAlive: request.keepAlive, continues: continues, fields: fields, body: request.body,
                        end: start))
                    continues = false
                    stop = start == buffer.count
                case .failure(let error):
                    outcome.status = error.status
                    return outcome
                }
                if stop { break }
            }
        }
        outcome.open = start < buffer.count || parser.isReadingBody
        return outcome
    }
}
