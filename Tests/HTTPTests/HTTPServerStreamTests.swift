#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import TestSupport
@testable import HTTP

/// Streamed responses over real sockets on 127.0.0.1: the shell wires the machine's stream states
/// to the socket and the producer (``ResponseStream``). The timing itself is the machine's
/// (`ConnectionMachineStreamTests`); these check events, heartbeats, slow readers, client close
/// and shutdown end to end.
@Suite("HTTPServer streams", .timeLimit(.minutes(1)))
struct HTTPServerStreamTests {
    /// The streams the server has handed out, in order, for the test to write to.
    final class Streams: Sendable {
        private let opened = Mutex<[ResponseStream]>([])
        let closed = Counter()

        func add(_ stream: ResponseStream) {
            stream.onClose { [closed] in closed.increment() }
            opened.withLock { $0.append(stream) }
        }

        var count: Int { opened.withLock { $0.count } }
        subscript(index: Int) -> ResponseStream { opened.withLock { $0[index] } }

        /// Waits (up to 5 s) until `count` streams have been opened, or `closed` closed.
        func await(opened count: Int = 0, closed: Int = 0) async -> Bool {
            for _ in 0..<500 {
                if self.count >= count && self.closed.value >= closed { return true }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
    }

    static func withStreamingServer(heartbeatMs: Int = 15_000, bufferBytesMax: Int = 64 * 1024,
                                    _ body: (HTTPServer, Streams) async throws -> Void) async throws {
        var limits = HTTPServerTests.limits()
        limits.streamHeartbeatIntervalMs = heartbeatMs
        limits.streamBufferBytesMax = bufferBytesMax
        limits.writeTimeout = .seconds(30)
        let streams = Streams()
        try await HTTPServerTests.withServer(limits: limits, responder: { request in
            guard request.path == "/events" else { return HTTPResponse(status: 404) }
            let stream = ResponseStream(heartbeat: ResponseStream.sseHeartbeat)
            stream.write(Array("event: hello\ndata: first\n\n".utf8))  // before the head: kept
            streams.add(stream)
            return .eventStream(stream)
        }) { server in try await body(server, streams) }
    }

    @Test func eventsArriveAsTheyAreWrittenAfterTheHead() async throws {
        try await Self.withStreamingServer { server, streams in
            let port = server.port
            let client = try EventStreamClient(port: port, target: "/events")
            let head = try await rawBlocking { client.readHead() }
            #expect(head?.status == 200 && head?.header("Content-Type") == "text/event-stream")
            #expect(head?.header("Transfer-Encoding") == "chunked" && head?.header("Content-Length") == nil)
            #expect(try await rawBlocking { client.nextEvent() } == .init(event: "hello", id: nil, data: "first"))
            #expect(await streams.await(opened: 1))
            for index in 1...3 {
                streams[0].write(Array("id: \(index)\nevent: tick\ndata: \(index)\n\n".utf8))
                let event = try await rawBlocking { client.nextEvent(timeout: .seconds(2)) }
                #expect(event == .init(event: "tick", id: "\(index)", data: "\(index)"))
            }
            streams[0].finish()
            #expect(try await rawBlocking { client.awaitEnd() }, "the last chunk ends it")
            #expect(await streams.await(closed: 1), "the producer hears the end")
        }
    }

    @Test func anIdleStreamGetsHeartbeats() async throws {
        try await Self.withStreamingServer(heartbeatMs: 100) { server, _ in
            let client = try EventStreamClient(port: server.port, target: "/events")
            _ = try await rawBlocking { client.readHead() }
            #expect(try await rawBlocking { client.awaitComments(3, timeout: .seconds(3)) })
        }
    }

    @Test func theClientLeavingClosesTheStreamForItsProducer() async throws {
        try await Self.withStreamingServer { server, streams in
            let client = try EventStreamClient(port: server.port, target: "/events")
            _ = try await rawBlocking { client.readHead() }
            #expect(await streams.await(opened: 1))
            client.close()
            #expect(await streams.await(closed: 1), "told within 5 s")
            #expect(!streams[0].write(Array("data: late\n\n".utf8)), "writes after the close are refused")
            for _ in 0..<100 where server.connectionCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(server.connectionCount == 0)
        }
    }

    @Test func aReaderThatNeverReadsIsDroppedAtTheBoundNotBufferedFor() async throws {
        try await Self.withStreamingServer(bufferBytesMax: 64 * 1024) { server, streams in
            let client = try EventStreamClient(port: server.port, target: "/events")
            var size: Int32 = 4096
            setsockopt(client.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            #expect(await streams.await(opened: 1))
            let event = Array(("data: " + String(repeating: "x", count: 8186) + "\n\n").utf8)  // 8 KiB
            var written = 0
            while streams[0].write(event) && written < 256 * 1024 * 1024 {
                written += event.count
                if written % (1024 * 1024) == 0 { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(streams[0].isClosed, "closed, not buffered")
            // What the kernel's buffers take on loopback (a few MiB at most) plus the 64 KiB bound.
            #expect(written < 32 * 1024 * 1024, "\(written) bytes accepted before the close")
            #expect(await streams.await(closed: 1))
            for _ in 0..<100 where server.connectionCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(server.connectionCount == 0, "the connection and its buffer are gone")
        }
    }

    @Test func shutdownEndsOpenStreamsAtOnceInsteadOfWaitingForThem() async throws {
        var limits = HTTPServerTests.limits()
        limits.drainTimeout = .seconds(8)
        limits.lingerTimeout = .milliseconds(500)  // these clients do not close after the last chunk
        let streams = Streams()
        let server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1, limits: limits)) { _ in
            let stream = ResponseStream(heartbeat: ResponseStream.sseHeartbeat)
            streams.add(stream)
            return .eventStream(stream)
        }
        let clients = try (0..<3).map { _ in try EventStreamClient(port: server.port, target: "/events") }
        for client in clients { _ = try await rawBlocking { client.readHead() } }
        #expect(await streams.await(opened: 3))
        let start = ContinuousClock.now
        await server.shutdown()
        #expect(ContinuousClock.now - start < .seconds(3), "not the 8 s drain timeout")
        #expect(await streams.await(closed: 3))
        for client in clients { #expect(try await rawBlocking { client.awaitEnd(timeout: .seconds(1)) }) }
    }
}
