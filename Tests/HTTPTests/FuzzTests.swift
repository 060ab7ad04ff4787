import Foundation
import Testing
import TestSupport
@testable import HTTP

/// Random bytes and mutations of valid requests against a live server. Whatever arrives, the
/// server must answer with well-formed responses or close, never hang, and keep serving.
/// Reproduce a failure with `HTTP_FUZZ_SEED=<seed printed by the run> swift test --filter FuzzTests`.
@Suite("Fuzz")
struct FuzzTests {

    static let corpus: [[UInt8]] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /a?b=c HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nX-Long: 0123456789abcdef\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: 1\r\n\r\n",
        "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    ].map { Array($0.utf8) }

    static let interesting: [UInt8] = Array("\r\n :;,0123456789abcdefABCDEF+-\t/".utf8) + [0, 0x7F, 0x80, 0xFF]

    static func mutate(_ input: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            if bytes.isEmpty { bytes = [Self.interesting.randomElement(using: &rng)!] }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1: bytes[at] = Self.interesting.randomElement(using: &rng)!
            case 2: bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 3: bytes.insert(Self.interesting.randomElement(using: &rng)!, at: at)
            case 4: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...6, using: &rng)))
            case 5: bytes.removeSubrange(at...)  // truncation
            case 6:
                // Duplicate a whole line (a second Host, Content-Length, chunk line...).
                let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
                if lines.count > 1 {
                    var copy = lines.map(Array.init)
                    let line = Int.random(in: 0..<(copy.count - 1), using: &rng)
                    copy.insert(copy[line], at: line + 1)
                    bytes = Array(copy.joined(separator: [0x0A]))
                }
            default:
                bytes.replaceSubrange(at..<min(bytes.count, at + 3), with: Array("\r\n".utf8))
            }
        }
        return bytes
    }

    static func input(using rng: inout SeededGenerator) -> [UInt8] {
        if Int.random(in: 0..<10, using: &rng) == 0 {
            return (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        return mutate(corpus.randomElement(using: &rng)!, using: &rng)
    }

    /// Why the bytes the server sent are not a sequence of well-formed responses, if they are not.
    static func problems(in reply: [UInt8], input: [UInt8]) -> String? {
        var rest = reply[...]
        var first = true
        while !rest.isEmpty {
            switch RawResponse.parse(rest, atEOF: true) {
            case .complete(let response, let consumed):
                if response.status >= 400 && !response.saysClose {
                    return "a \(response.status) without Connection: close"
                }
                rest = rest.dropFirst(consumed)
            case .incomplete:
                return "a truncated response"
            case .malformed(let why):
                // A mutation may have produced HEAD, whose answer has no body: check only the first.
                if !first && input.starts(with: Array("HEAD".utf8)) == false { return why }
                if first { return why }
                return nil
            }
            first = false
        }
        return nil
    }

    @Test("answers or closes on every mutated request, never hangs, and keeps serving", .timeLimit(.minutes(1)))
    func mutatedRequests() async throws {
        let seed = ProcessInfo.processInfo.environment["HTTP_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("FuzzTests seed=\(seed)")
        var limits = HTTPLimits()
        limits.headerTimeout = .milliseconds(300)
        limits.bodyTimeout = .milliseconds(300)
        limits.idleTimeout = .milliseconds(300)
        limits.drainTimeout = .seconds(2)
        limits.bodyBytesMax = 4096
        let server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1, limits: limits)) { request in
            HTTPResponse(status: 200, body: Array("\(request.method) \(request.body.count)".utf8))
        }
        let port = server.port
        let (iterations, failures) = try await rawBlocking { () -> (Int, [String]) in
            var rng = SeededGenerator(state: seed)
            var failures: [String] = []
            var waitedForTimeout = 0
            let start = ContinuousClock.now
            var iteration = 0
            while iteration < 2000 && ContinuousClock.now - start < .seconds(10) && failures.count < 5 {
                let input = Self.input(using: &rng)
                let client = try RawClient(port: port)
                client.send(input)
                // Mostly half-close, so an unfinished request ends at once; a few times stay open
                // and let the server's own timeouts end it (each costs ~300 ms, so at most 8).
                let stayOpen = waitedForTimeout < 8 && Int.random(in: 0..<100, using: &rng) == 0
                if stayOpen { waitedForTimeout += 1 } else { client.shutdownWrite() }
                let (end, reply) = client.readToEnd(timeout: .seconds(2))
                let shown = String(decoding: input.prefix(120), as: UTF8.self).debugDescription
                if end == .timedOut {
                    failures.append("#\(iteration): neither answered nor closed within 2 s: \(shown)")
                } else if let problem = Self.problems(in: reply, input: input) {
                    failures.append("#\(iteration): \(problem): \(shown) -> \(String(decoding: reply.prefix(200), as: UTF8.self).debugDescription)")
                }
                client.close()
                iteration += 1
            }
            return (iteration, failures)
        }
        print("FuzzTests seed=\(seed) iterations=\(iterations) failures=\(failures.count)")
        #expect(failures.isEmpty, "seed \(seed): \(failures.joined(separator: "\n"))")
        #expect(iterations >= 200, "too few iterations in 10 s to mean anything")
        try await rawBlocking {
            let client = try RawClient(port: port)
            client.send(RawRequest.make("POST", "/after", body: "ok"))
            let response = try #require(client.readResponse(timeout: .seconds(2)), "seed \(seed): the server stopped serving")
            #expect(response.status == 200 && response.text == "POST 2")
            client.close()
            let deadline = ContinuousClock.now + .seconds(3)
            while server.connectionCount > 0 && ContinuousClock.now < deadline { usleep(10_000) }
            #expect(server.connectionCount == 0, "seed \(seed): connections leaked")
        }
        await server.shutdown()
    }
}
