#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Testing
import TestSupport
@testable import HTTP

/// The server over real sockets on 127.0.0.1 with short limits. Client I/O is blocking and runs
/// on its own thread (``rawBlocking(_:)``); every read has a timeout, every loop a bound.
@Suite("HTTPServer", .timeLimit(.minutes(1)))
struct HTTPServerTests {
    /// Short limits: seconds where a test must not trip them, 200 ms where it should.
    static func limits(header: Duration = .seconds(3), body: Duration = .seconds(3),
                       idle: Duration = .seconds(5)) -> HTTPLimits {
        var limits = HTTPLimits()
        limits.headerTimeout = header
        limits.bodyTimeout = body
        limits.idleTimeout = idle
        limits.writeTimeout = .seconds(5)
        limits.drainTimeout = .seconds(3)
        limits.bodyBytesMax = 64 * 1024
        return limits
    }

    /// Echoes the body (or `METHOD target` when there is none); a few paths misbehave on purpose.
    static let echo: HTTPServer.Responder = { request in
        switch request.path {
        case "/slow": try? await Task.sleep(for: .seconds(1))  // kept: the slow responder's work
        case "/big": return HTTPResponse(status: 200, body: [UInt8](repeating: 0x61, count: 8 << 20))
        case "/close": return HTTPResponse(status: 200, headers: ["Connection": "close"], body: Array("bye".utf8))
        default: break
        }
        let body = request.body.isEmpty ? Array("\(request.method) \(request.target)".utf8) : request.body
        return HTTPResponse(status: 200, headers: ["X-Version": "1.\(request.versionMinor)"], body: body)
    }

    /// Starts a server, runs `body` with its port, and always shuts it down.
    static func withServer(loops: Int = 1, limits: HTTPLimits = limits(), responder: @escaping HTTPServer.Responder = echo,
                           onRejection: (@Sendable (HTTPRejection) -> Void)? = nil,
                           _ body: (HTTPServer) async throws -> Void) async throws {
        let server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, loopCount: loops, limits: limits),
                                    onRejection: onRejection, responder: responder)
        do {
            try await body(server)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    // MARK: - Persistence

    @Test("keeps a 1.1 connection alive for a second request")
    func keepAlive() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(RawRequest.make("GET", "/one"))
                let first = try #require(client.readResponse())
                #expect(first.status == 200 && first.text == "GET /one")
                #expect(first.header("Connection") == nil, "1.1 persistence is the default; nothing to announce")
                client.send(RawRequest.make("GET", "/two"))
                let second = try #require(client.readResponse())
                #expect(second.text == "GET /two")
                #expect(server.connectionCount == 1)
            }
        }
    }

    @Test("answers Connection: close with Connection: close and closes the socket")
    func connectionClose() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(RawRequest.make("GET", "/", fields: ["Connection: close"]))
                let response = try #require(client.readResponse())
                #expect(response.status == 200 && response.saysClose)
                #expect(client.closesQuietly())
            }
        }
    }

    @Test("closes when the responder says Connection: close, and says so once")
    func responderClose() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(RawRequest.make("GET", "/close"))
                let response = try #require(client.readResponse())
                #expect(response.headerValues("Connection") == ["close"])
                #expect(client.closesQuietly())
            }
        }
    }

    @Test("closes an HTTP/1.0 connection by default and keeps it with Connection: keep-alive")
    func http10() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let plain = try RawClient(port: port)
                plain.send("GET /a HTTP/1.0\r\n\r\n")
                let closing = try #require(plain.readResponse())
                #expect(closing.status == 200 && closing.saysClose && closing.header("X-Version") == "1.0")
                #expect(plain.closesQuietly())

                let kept = try RawClient(port: port)
                kept.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let first = try #require(kept.readResponse())
                #expect(first.header("Connection")?.lowercased() == "keep-alive")
                kept.send("GET /c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let second = try #require(kept.readResponse())
                #expect(second.text == "GET /c")
            }
        }
    }

    // MARK: - Framing

    @Test("answers three pipelined requests in one write in order")
    func pipelining() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(RawRequest.make("GET", "/1") + RawRequest.make("POST", "/2", body: "two") + RawRequest.make("GET", "/3"))
                let bodies = (0..<3).map { _ in client.readResponse()?.text }
                #expect(bodies == ["GET /1", "two", "GET /3"])
            }
        }
    }

    /// Answers on the spot, on the loop thread, with no task: the gateway's proxy path.
    struct InlineResponder: HTTPResponder {
        func respond(to request: HTTPRequest, with handle: ResponseHandle) {
            handle.send(HTTPResponse(status: 200, body: Array("\(request.method) \(request.target)".utf8)))
        }
    }

    /// Answers later, from another thread, the way a callback from elsewhere would.
    struct DeferredResponder: HTTPResponder {
        func respond(to request: HTTPRequest, with handle: ResponseHandle) {
            let target = request.target
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(2)) {
                handle.send(HTTPResponse(status: 200, body: Array(target.utf8)))
            }
        }
    }

    @Test("answers thousands of pipelined requests in order when the responder answers on the spot",
          arguments: [3000])
    func inlineResponderPipelining(count: Int) async throws {
        // Regression guard: an answer given inside `dispatch` must not recurse into parsing the
        // next request (one stack frame per pipelined request).
        let server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1, limits: Self.limits()),
                                    responder: InlineResponder())
        defer { Task { await server.shutdown() } }
        let port = server.port
        try await rawBlocking {
            let client = try RawClient(port: port)
            client.send((0..<count).flatMap { RawRequest.make("GET", "/\($0)") })
            for index in 0..<count {
                let response = client.readResponse(timeout: .seconds(5))
                #expect(response?.text == "GET /\(index)", "response \(index)")
                if response == nil { break }
            }
            client.send(RawRequest.make("GET", "/after", fields: ["Connection: close"]))
            #expect(client.readResponse()?.text == "GET /after")
        }
    }

    @Test("takes an answer given later from another thread, in order across pipelined requests")
    func deferredResponder() async throws {
        let server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1, limits: Self.limits()),
                                    responder: DeferredResponder())
        defer { Task { await server.shutdown() } }
        let port = server.port
        try await rawBlocking {
            let client = try RawClient(port: port)
            client.send((0..<20).flatMap { RawRequest.make("GET", "/\($0)") })
            let bodies = (0..<20).map { _ in client.readResponse(timeout: .seconds(5))?.text }
            #expect(bodies == (0..<20).map { "/\($0)" })
        }
    }

    @Test("parses a request that follows a stray CRLF in the same read at once")
    func strayCRLFBetweenPipelinedRequests() async throws {
        // Regression: the parser returned needMore after skipping the CRLF and the request sat
        // in the buffer until the header timeout.
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(RawRequest.make("POST", "/a", body: "x") + Array("\r\n".utf8) + RawRequest.make("GET", "/b"))
                #expect(client.readResponse(timeout: .seconds(1))?.text == "x")
                #expect(client.readResponse(timeout: .seconds(1))?.text == "GET /b")
            }
        }
    }

    @Test("decodes a chunked body sent in pieces and echoes it")
    func chunkedEcho() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                let pieces = ["POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhel",
                              "lo\r\n6\r\n world\r", "\n0\r\nTrailer: t\r\n\r\n"]
                for piece in pieces {
                    client.send(piece)
                    usleep(20_000)  // kept: each piece in a read of its own
                }
                let response = try #require(client.readResponse())
                #expect(response.status == 200 && response.text == "hello world")
            }
        }
    }

    @Test("sends 100 Continue before the body is sent, then the answer")
    func expectContinue() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send("POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                let interim = try #require(client.readResponse(timeout: .seconds(2)))
                #expect(interim.status == 100)
                client.send("hello")
                let final = try #require(client.readResponse())
                #expect(final.status == 200 && final.text == "hello")
            }
        }
    }

    @Test("answers HEAD with Content-Length and no body")
    func head() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                // Pipelined: any body byte after the HEAD answer would corrupt the GET answer.
                client.send(RawRequest.make("HEAD", "/h") + RawRequest.make("GET", "/g"))
                let head = try #require(client.readResponse(bodyless: true))
                #expect(head.status == 200 && head.header("Content-Length") == "7")  // "HEAD /h"
                let get = try #require(client.readResponse())
                #expect(get.statusLine == "HTTP/1.1 200 OK" && get.text == "GET /g")
            }
        }
    }

    @Test("a HEAD answer with an empty body keeps the Content-Length its responder declared (a proxy's case)")
    func headDeclaredLength() async throws {
        let responder: HTTPServer.Responder = { _ in HTTPResponse(status: 200, headers: ["Content-Length": "42"]) }
        try await Self.withServer(responder: responder) { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(RawRequest.make("HEAD", "/h") + RawRequest.make("GET", "/g"))
                let head = try #require(client.readResponse(bodyless: true))
                #expect(head.header("Content-Length") == "42")
                let get = try #require(client.readResponse())
                #expect(get.header("Content-Length") == "0", "only HEAD takes the declared length")
            }
        }
    }

    @Test("stamps every response with an IMF-fixdate Date")
    func dateHeader() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(RawRequest.make())
                let response = try #require(client.readResponse())
                let date = try #require(response.header("Date"))
                #expect(date.wholeMatch(of: /(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT/) != nil, "\(date)")
                #expect(response.headerValues("Date").count == 1)
            }
        }
    }

    static let framingErrors: [(bytes: String, status: Int, why: String)] = [
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "CL with TE"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400, "signed Content-Length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, "differing Content-Length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400, "chunk without its CRLF"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n", 400, "signed chunk size"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400, "unsupported coding"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", 400, "obs-fold"),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "space before colon"),
        ("GET / HTTP/1.1\r\n\r\n", 400, "missing Host"),
        ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2.0"),
        ("GET /" + String(repeating: "a", count: 8300) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "request line over 8 KiB"),
        ("GET / HTTP/1.1\r\nHost: a\r\n" + (1...100).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431, "101 fields"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "v", count: 33 * 1024) + "\r\n\r\n", 431, "field section over 32 KiB"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n", 413, "chunk over the 64 KiB body limit"),
        ("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n\u{0}\r\n\r\n", 400, "garbage after a good request (answered, then 400)"),
        // Issue 22 item 6: this was answered as two requests (the "body" as the second).
        ("GET /health HTTP/1.1\r\nHost: a\r\n\rContent-Length: 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", 400,
         "bare CR at the start of a field line is refused, not the end of the head"),
    ]

    @Test("answers every framing error with its status, Connection: close, and a closed socket",
          arguments: framingErrors.map { FramingRow(bytes: $0.bytes, status: $0.status, why: $0.why) })
    func framingError(row: FramingRow) async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(row.bytes)
                var response = try #require(client.readResponse(), "\(row.why): no response (\(String(describing: client.sawEnd)))")
                if response.status == 200 { response = try #require(client.readResponse()) }
                #expect(response.status == row.status, "\(row.why)")
                #expect(response.saysClose, "\(row.why)")
                #expect(response.header("Content-Type") == "application/problem+json")
                #expect(response.text.contains("\"status\":\(row.status)"))
                #expect(response.header("X-Request-ID")?.isEmpty == false)
                #expect(client.closesQuietly(), "\(row.why): the socket must close after a framing error")
            }
        }
    }

    @Test("answers 413 to a 100 MB Content-Length without reading the body")
    func tooLargeWithoutReading() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                let start = ContinuousClock.now
                client.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n")
                let response = try #require(client.readResponse(timeout: .seconds(2)))
                #expect(response.status == 413 && response.saysClose)
                #expect(rawElapsedMilliseconds(since: start) < 1500)
                #expect(client.closesQuietly())
            }
        }
    }

    // MARK: - Timeouts (end to end; every timeout's rules are in ConnectionMachineTests)

    /// Smoke test of the shell's timer path over a real socket: the loop's tick reaches the
    /// machine, the 408 is written and reported to the hook, the socket closes.
    @Test("answers 408, reports it and closes when the header section is not in within the header timeout")
    func headerTimeoutPartial() async throws {
        let seen = Mutex<[HTTPRejection]>([])
        try await Self.withServer(limits: Self.limits(header: .milliseconds(200)),
                                  onRejection: { rejection in seen.withLock { $0.append(rejection) } }) { server in
            let port = server.port
            let id = try await rawBlocking { () -> String? in
                let client = try RawClient(port: port)
                let start = ContinuousClock.now
                client.send("GET / HTTP/1.1\r\nHo")
                let response = try #require(client.readResponse(timeout: .seconds(3)))
                let waited = rawElapsedMilliseconds(since: start)
                #expect(response.status == 408 && response.saysClose)
                #expect(waited >= 150 && waited < 2000, "waited \(waited) ms")
                #expect(client.closesQuietly())
                return response.header("X-Request-ID")
            }
            let rejection = try #require(seen.withLock { $0.first })
            #expect(rejection.status == 408 && rejection.requestID == id && rejection.peer == "127.0.0.1")
        }
    }

    @Test("reports every request it answers itself to the rejection hook, with the id it sent")
    func rejectionsAreReported() async throws {
        let seen = Mutex<[HTTPRejection]>([])
        try await Self.withServer(onRejection: { rejection in seen.withLock { $0.append(rejection) } }) { server in
            let port = server.port
            // (408s are reported the same way: `headerTimeoutPartial`, and their fields in ConnectionMachineTests.)
            let cases: [(bytes: String, status: Int, method: String?)] = [
                ("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: a\r\n\r\n", 414, nil),
                ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400, nil),
                ("PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "PUT"),
                // After a whole POST on the same connection, a bad head is not the POST's.
                ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nxGET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, nil),
            ]
            for (index, row) in cases.enumerated() {
                let id = try await rawBlocking { () -> String? in
                    let client = try RawClient(port: port)
                    client.send(row.bytes)
                    var response = try #require(client.readResponse(timeout: .seconds(3)))
                    if response.status == 200 { response = try #require(client.readResponse(timeout: .seconds(3))) }
                    #expect(response.status == row.status, "case \(index): \(response)")
                    return response.header("X-Request-ID")
                }
                let rejection = try #require(seen.withLock { $0.count > index ? $0[index] : nil }, "case \(index) not reported")
                #expect(rejection.status == row.status, "case \(index)")
                #expect(rejection.requestID == id, "case \(index): the logged id is the one sent")
                #expect(rejection.method == row.method, "case \(index)")
                #expect(rejection.peer == "127.0.0.1")
                #expect(!rejection.reason.isEmpty)
            }
            #expect(seen.withLock { $0.count } == cases.count)
        }
    }

    /// Smoke test of the idle timeout over a real socket (the quiet close, no 408).
    @Test("closes an idle keep-alive connection after the idle timeout, silently")
    func idleTimeout() async throws {
        try await Self.withServer(limits: Self.limits(idle: .milliseconds(200))) { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(RawRequest.make())
                #expect(client.readResponse()?.status == 200)
                let start = ContinuousClock.now
                let (end, bytes) = client.readToEnd(timeout: .seconds(3))
                let waited = rawElapsedMilliseconds(since: start)
                #expect(end == .closed && bytes.isEmpty)
                #expect(waited >= 150 && waited < 2000, "waited \(waited) ms")
            }
        }
    }

    // MARK: - Concurrency

    @Test("does not let a slow responder delay a fast request on the same loop")
    func slowResponderDoesNotBlockLoop() async throws {
        let slowStarted = Flag()
        let responder: HTTPServer.Responder = { request in
            if request.path == "/slow" { slowStarted.set() }
            return await Self.echo(request)
        }
        try await Self.withServer(loops: 1, responder: responder) { server in
            let port = server.port
            try await rawBlocking {
                let slow = try RawClient(port: port)
                let start = ContinuousClock.now
                slow.send(RawRequest.make("GET", "/slow"))
                // The slow one is in its responder before the fast one is sent.
                #expect(Eventually.holdsBlocking { slowStarted.isSet })
                let fast = try RawClient(port: port)
                let fastStart = ContinuousClock.now
                fast.send(RawRequest.make("GET", "/fast"))
                let fastResponse = try #require(fast.readResponse(timeout: .seconds(2)))
                let fastTook = rawElapsedMilliseconds(since: fastStart)
                #expect(fastResponse.text == "GET /fast")
                #expect(fastTook < 600, "the fast request took \(fastTook) ms behind a 1 s responder")
                let slowResponse = try #require(slow.readResponse(timeout: .seconds(3)))
                #expect(slowResponse.text == "GET /slow")
                #expect(rawElapsedMilliseconds(since: start) >= 950)
            }
        }
    }

    @Test("serves 200 concurrent connections, 5 requests each")
    func manyConnections() async throws {
        try await Self.withServer(loops: 2) { server in
            let port = server.port
            try await rawBlocking {
                // All 200 open at once; each round puts 200 requests in flight before reading any.
                let clients = try (0..<200).map { _ in try RawClient(port: port) }
                var wrong: [String] = []
                for round in 0..<5 {
                    for (index, client) in clients.enumerated() {
                        client.send(RawRequest.make("GET", "/c/\(index)/\(round)"))
                    }
                    for (index, client) in clients.enumerated() {
                        let text = client.readResponse(timeout: .seconds(5))?.text
                        if text != "GET /c/\(index)/\(round)" { wrong.append("\(index)/\(round): \(String(describing: text))") }
                    }
                }
                #expect(wrong.isEmpty, "\(wrong.count) wrong answers, e.g. \(wrong.prefix(3))")
                #expect(server.connectionCount == 200)
            }
        }
    }

    // MARK: - Shutdown and misbehaving clients

    @Test("drains a request in flight on shutdown, says Connection: close, then refuses connects")
    func gracefulShutdown() async throws {
        let started = Flag()
        // The handler answers only once the drain has visibly begun: on a loaded machine a fixed sleep
        // could end before the shutdown task even ran, and the answer would rightly not say close.
        let release = Flag()
        let server = try HTTPServer(
            configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1, limits: Self.limits()),
            responder: { request in
                started.set()
                let deadline = ContinuousClock.now + .seconds(5)
                while !release.isSet && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
                return HTTPResponse(status: 200, body: Array("drained".utf8))
            })
        let port = server.port
        let busy = try RawClient(port: port)
        let idle = try RawClient(port: port)
        busy.send(RawRequest.make("GET", "/in-flight"))
        #expect(await Eventually.holds(within: .seconds(2)) { started.isSet })
        let shutdown = Task { await server.shutdown() }
        #expect(try await rawBlocking { idle.closesQuietly() }, "idle connections are closed at once")
        release.set()
        let response = try await rawBlocking { busy.readResponse(timeout: .seconds(3)) }
        #expect(response?.status == 200 && response?.text == "drained")
        #expect(response?.saysClose == true, "a response sent while draining must announce the close")
        #expect(try await rawBlocking { busy.closesQuietly() })
        await shutdown.value
        #expect(throws: RawClient.ConnectError(code: ECONNREFUSED)) { _ = try RawClient(port: port) }
    }

    @Test("shutdown finishes writing an answer a slow reader has not taken yet, then closes")
    func shutdownFinishesAnAnswerStillBeingWritten() async throws {
        // Far more than loopback's socket buffers hold (a few MB each way), so most of it is still in
        // the server's output when the drain begins; the request itself was answered before.
        let size = 32 << 20
        let server = try HTTPServer(
            configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1, limits: Self.limits()),
            responder: { _ in HTTPResponse(status: 200, body: [UInt8](repeating: 0x61, count: size)) })
        let port = server.port
        let reader = try RawClient(port: port)
        reader.send(RawRequest.make("GET", "/big"))
        // Answered: its first bytes have arrived, and the rest fills the socket the reader leaves full.
        var descriptor = pollfd(fd: reader.fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&descriptor, 1, 10_000) > 0, "the answer never started")
        let shutdown = Task { await server.shutdown() }
        // The drain has begun once connects are refused: the listener closes after every loop drains.
        let draining = await Eventually.holds {
            do {
                try RawClient(port: port).close()
                return false
            } catch {
                return true
            }
        }
        #expect(draining, "the listener was never closed")
        let response = try await rawBlocking { reader.readResponse(timeout: .seconds(10)) }
        #expect(response?.status == 200)
        #expect(response?.body.count == size, "the answer was cut at \(response?.body.count ?? 0) of \(size) bytes")
        #expect(try await rawBlocking { reader.closesQuietly() }, "closed once written")
        await shutdown.value
    }

    @Test("survives clients that reset mid-response and mid-request, and frees their connections")
    func resets() async throws {
        try await Self.withServer { server in
            let port = server.port
            try await rawBlocking {
                let bigReader = try RawClient(port: port)
                bigReader.send(RawRequest.make("GET", "/big"))
                var descriptor = pollfd(fd: bigReader.fd, events: Int16(POLLIN), revents: 0)
                #expect(poll(&descriptor, 1, 3000) > 0, "the 8 MB response starts")
                var some = [UInt8](repeating: 0, count: 4096)
                #expect(recv(bigReader.fd, &some, some.count, 0) > 0)
                bigReader.reset()

                let impatient = try RawClient(port: port)
                impatient.send(RawRequest.make("GET", "/slow"))
                usleep(50_000)  // kept: likely in its responder when reset; the checks hold either way
                impatient.reset()

                let halfHead = try RawClient(port: port)
                halfHead.send("GET / HTTP/1.1\r\nHost")
                halfHead.reset()

                let after = try RawClient(port: port)
                after.send(RawRequest.make("GET", "/after"))
                #expect(after.readResponse()?.text == "GET /after")
                after.close()
                // The slow responder finishes after 1 s; by then every socket must be released.
                #expect(Eventually.holdsBlocking(within: .seconds(3)) { server.connectionCount == 0 })
            }
        }
    }
}

/// A framing-error row, named by its `why`.
struct FramingRow: Sendable, CustomTestStringConvertible {
    var bytes: String
    var status: Int
    var why: String
    var testDescription: String { why }
}
