// The differential harness's view of our parser (Tests/Fuzz/differential.py): reads cases from
// stdin, each a 4-byte little-endian length and that many bytes, and prints one JSON line per case
// with the framing RequestParser derives when the bytes arrive in one read, as HTTPConnection
// would act on it: the requests up to the first that closes the connection, where each ends, its
// body length and keep-alive, then `status` (the rejection, if any) and whether bytes of an
// unfinished request were left. Built by scripts/fuzz (target `differential`): no libFuzzer, and
// ASan only because the modules it links are instrumented.
#if canImport(Glibc)
import Glibc
#endif
@testable import HTTP

func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

func readExactly(_ count: Int) -> [UInt8]? {
    var bytes = [UInt8](repeating: 0, count: count)
    var got = 0
    while got < count {
        let n = bytes.withUnsafeMutableBytes { read(0, $0.baseAddress! + got, count - got) }
        if n <= 0 { return nil }
        got += n
    }
    return bytes
}

/// Why the parser refuses `message` fed in one read, if it does (the differential report's `reason`,
/// so a class of disagreements can be told apart by cause, not only by status).
func refusal(_ message: [UInt8]) -> String? {
    var parser = RequestParser(limits: HTTPLimits())
    var start = 0
    for _ in 0...(message.count + 2) * 2 {  // each round consumes bytes, finishes a head, or returns
        let (event, consumed) = message.withUnsafeBytes { raw in
            parser.parse(UnsafeRawBufferPointer(rebasing: raw[start...]), peer: "192.0.2.1")
        }
        start += consumed
        switch event {
        case .failure(.badRequest(let why)): return why
        case .failure(let error): return "\(error)"
        case .needMore: return nil
        case .request where start == message.count: return nil
        default: continue
        }
    }
    return nil
}

@main
enum DifferentialDriver {
    static func main() {
        var out: [UInt8] = []
        while let header = readExactly(4) {
            let count = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
            guard let message = count == 0 ? [] : readExactly(count) else { break }
            let outcome = RequestFeed.run(message, feedsEndingAt: [], limits: HTTPLimits())
            var requests: [String] = []
            var closed = false
            for request in outcome.requests where !closed {
                requests.append("{\"method\":\(jsonString(request.method)),\"target\":\(jsonString(request.target)),"
                    + "\"end\":\(request.end),\"body\":\(request.body.count),\"keep_alive\":\(request.keepAlive),"
                    + "\"minor\":\(request.minor)}")
                closed = !request.keepAlive
            }
            // After a request that closes the connection the server reads nothing more.
            let status = closed ? "null" : outcome.status.map(String.init) ?? "null"
            let open = !closed && outcome.open
            let reason = status == "null" ? "null" : refusal(message).map(jsonString) ?? "null"
            out += Array(("{\"requests\":[\(requests.joined(separator: ","))],\"status\":\(status),\"open\":\(open),"
                + "\"reason\":\(reason)}\n").utf8)
            if out.count > 1 << 16 {
                out.withUnsafeBytes { _ = write(1, $0.baseAddress!, $0.count) }
                out.removeAll(keepingCapacity: true)
            }
        }
        out.withUnsafeBytes { if $0.count > 0 { _ = write(1, $0.baseAddress!, $0.count) } }
    }
}
