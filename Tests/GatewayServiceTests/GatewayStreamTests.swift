import Foundation
import GatewayService
import HTTP
import Logging
import ServiceKit
import Synchronization
import Testing
import TestSupport

/// The gateway relaying `text/event-stream` answers as their bytes arrive (API.md "Orders beyond
/// market"), in-process on loopback in front of an in-process upstream whose streams the test
/// writes to: events pass at once, a client holds at most `STREAMS_PER_PEER_MAX`, the client
/// leaving closes the upstream stream, and a silent upstream is dropped at `STREAM_IDLE_TIMEOUT_MS`.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct GatewayStreamTests {
    /// The upstream (standing in for stock): `/stocks/stream` answers a stream the test writes to;
    /// every other path 200 `plain`.
    final class Upstream: Sendable {
        /// What the upstream's responder records (a class the responder can capture).
        final class Record: Sendable {
            let streams = Mutex<[ResponseStream]>([])
            let closed = Counter()
        }

        let server: HTTPServer
        private let record = Record()
        var closed: Counter { record.closed }

        init(heartbeatMs: Int = 15_000) throws {
            var limits = HTTPLimits()
            limits.streamHeartbeatIntervalMs = heartbeatMs
            let record = record
            server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1, limits: limits)) { request in
                guard request.path == "/stocks/stream" else {
                    return HTTPResponse(status: 200, contentType: "text/plain", body: Array("plain".utf8))
                }
                let stream = ResponseStream(heartbeat: heartbeatMs < 15_000 ? ResponseStream.sseHeartbeat : nil)
                stream.onClose { record.closed.increment() }
                record.streams.withLock { $0.append(stream) }
                return .eventStream(stream)
            }
        }

        var count: Int { record.streams.withLock { $0.count } }
        subscript(index: Int) -> ResponseStream { record.streams.withLock { $0[index] } }
        var url: String { "http://127.0.0.1:\(server.port)" }

        func await(_ condition: @Sendable () -> Bool) async -> Bool {
            for _ in 0..<500 {
                if condition() { return true }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
    }

    static func withGateway(_ upstream: Upstream, _ extra: [String: String] = [:],
                            _ body: (Int) async throws -> Void) async throws {
        var values = [
            "HOST": "127.0.0.1", "PORT": "0", "RATE_LIMIT_RPS": "0", "LOG_LEVEL": "error",
            "AUTH_URL": "http://127.0.0.1:9", "STOCK_URL": upstream.url, "TRADE_URL": "http://127.0.0.1:9",
            "EVENT_LOOPS": "1",
        ]
        for (key, value) in extra { values[key] = value }
        var logger = Logger(label: "gateway-stream-tests")
        logger.logLevel = .error
        let host = try await GatewayService.start(environment: Environment(values), logger: logger)
        do {
            try await body(host.port)
        } catch {
            await host.shutdown()
            await upstream.server.shutdown()
            throw error
        }
        await host.shutdown()
        await upstream.server.shutdown()
    }

    @Test func eventsPassThroughTheGatewayAsTheyHappen() async throws {
        let upstream = try Upstream()
        try await Self.withGateway(upstream) { port in
            let client = try EventStreamClient(port: port, target: "/stocks/stream?symbols=AAPL")
            let head = try await rawBlocking { client.readHead() }
            #expect(head?.status == 200 && head?.header("Content-Type") == "text/event-stream", "\(String(describing: head))")
            #expect(head?.header("Transfer-Encoding") == "chunked")
            #expect(head?.header("X-Request-ID") != nil)
            #expect(await upstream.await { upstream.count == 1 })
            for index in 1...5 {
                let start = ContinuousClock.now
                upstream[0].write(Array("event: quote\nid: \(index)\ndata: {\"n\":\(index)}\n\n".utf8))
                let event = try await rawBlocking { client.nextEvent(timeout: .seconds(2)) }
                #expect(event == .init(event: "quote", id: "\(index)", data: "{\"n\":\(index)}"))
                #expect(ContinuousClock.now - start < .seconds(1), "relayed as it came, not at the end")
            }
            // An ordinary answer still works beside the stream (its connection is not the pool's).
            let plain = try await TestClient(port: port).get("/stocks/AAPL")
            #expect(plain.status == 200 && plain.text == "plain")
            upstream[0].finish()
            #expect(try await rawBlocking { client.awaitEnd() }, "the upstream's end ends the client's stream")
        }
    }

    @Test func aClientHoldsAtMostStreamsPerPeerMax() async throws {
        let upstream = try Upstream()
        try await Self.withGateway(upstream, ["STREAMS_PER_PEER_MAX": "2"]) { port in
            let first = try EventStreamClient(port: port, target: "/stocks/stream?symbols=A")
            let second = try EventStreamClient(port: port, target: "/stocks/stream?symbols=B")
            #expect(try await rawBlocking { first.readHead()?.status } == 200)
            #expect(try await rawBlocking { second.readHead()?.status } == 200)
            let third = try await TestClient(port: port).get("/stocks/stream?symbols=C")
            #expect(third.status == 429, "\(third.text)")
            #expect(third.string("type") == "/problems/too-many-streams" && third.headers["Retry-After"] == "5")
            #expect(await upstream.await { upstream.closed.value == 1 }, "the refused stream's upstream is closed")
            first.close()
            #expect(await upstream.await { upstream.closed.value == 2 })
            let fourth = try EventStreamClient(port: port, target: "/stocks/stream?symbols=D")
            #expect(try await rawBlocking { fourth.readHead()?.status } == 200, "a place is free again")
        }
    }

    @Test func theGatewayHoldsAtMostStreamsMax() async throws {
        let upstream = try Upstream()
        try await Self.withGateway(upstream, ["STREAMS_MAX": "1"]) { port in
            let first = try EventStreamClient(port: port, target: "/stocks/stream?symbols=A")
            #expect(try await rawBlocking { first.readHead()?.status } == 200)
            let second = try await TestClient(port: port).get("/stocks/stream?symbols=B")
            #expect(second.status == 503 && second.string("type") == "/problems/streams-exhausted", "\(second.text)")
            #expect(second.headers["Retry-After"] == "5")
        }
    }

    @Test func theClientLeavingClosesTheUpstreamStream() async throws {
        let upstream = try Upstream()
        try await Self.withGateway(upstream) { port in
            let client = try EventStreamClient(port: port, target: "/stocks/stream?symbols=AAPL")
            _ = try await rawBlocking { client.readHead() }
            #expect(await upstream.await { upstream.count == 1 })
            #expect(upstream.server.connectionCount == 1)
            client.close()
            #expect(await upstream.await { upstream.closed.value == 1 }, "the upstream stream is closed")
            #expect(await upstream.await { upstream.server.connectionCount == 0 }, "its connection is not pooled")
            #expect(!upstream[0].write(Array("data: late\n\n".utf8)))
        }
    }

    @Test func aSilentUpstreamIsDroppedAtTheIdleLimitButHeartbeatsKeepItOpen() async throws {
        let silent = try Upstream()
        try await Self.withGateway(silent, ["STREAM_IDLE_TIMEOUT_MS": "300"]) { port in
            let client = try EventStreamClient(port: port, target: "/stocks/stream?symbols=AAPL")
            _ = try await rawBlocking { client.readHead() }
            let start = ContinuousClock.now
            #expect(try await rawBlocking { client.awaitEnd(timeout: .seconds(5)) }, "ended for silence")
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(await silent.await { silent.closed.value == 1 })
        }
        let beating = try Upstream(heartbeatMs: 100)
        try await Self.withGateway(beating, ["STREAM_IDLE_TIMEOUT_MS": "300", "UPSTREAM_TIMEOUT_MS": "200"]) { port in
            let client = try EventStreamClient(port: port, target: "/stocks/stream?symbols=AAPL")
            _ = try await rawBlocking { client.readHead() }
            // 1.5 s: five idle limits and seven upstream timeouts; the heartbeats pass through.
            #expect(try await rawBlocking { client.awaitComments(10, timeout: .seconds(5)) })
            #expect(!client.ended && beating.closed.value == 0)
        }
    }
}
