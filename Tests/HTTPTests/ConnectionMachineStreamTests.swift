import Testing
import TestSupport
@testable import HTTP
import Sockets

/// Streamed responses (``ResponseStream``) in the connection machine, on the hand-moved clock of
/// ``ConnectionHarness``: the head at once, each write a chunk, a heartbeat only in idle stretches,
/// the bound on what a slow reader leaves unread, and the ends (producer, client, drain).
@Suite("ConnectionMachine streams")
struct ConnectionMachineStreamTests {
    static let heartbeat = Array(": keep-alive\n\n".utf8)

    /// Short limits: a heartbeat every 5 s, at most 1,000 unsent bytes of a stream.
    static let limits: HTTPLimits = {
        var limits = ConnectionHarness.limits
        limits.streamHeartbeatIntervalMs = 5_000
        limits.streamBufferBytesMax = 1_000
        return limits
    }()

    /// A harness whose one request (`GET /events`, HTTP/1.`minor`) is answered by a stream.
    static func streaming(minor: Int = 1, fields: String = "") -> ConnectionHarness {
        let wire = ConnectionHarness(limits: limits)
        _ = wire.send("GET /events HTTP/1.\(minor)\r\nHost: a\r\n\(fields)\r\n")
        _ = wire.returned()
        var response = HTTPResponse.eventStream(ResponseStream(heartbeat: heartbeat))
        response.requestID = "r1"
        #expect(wire.observe(wire.machine.deliver(response, now: wire.now)).summary == "none")
        return wire
    }

    static func write(_ wire: ConnectionHarness, _ text: String) -> String {
        Array(text.utf8).withUnsafeBytes { wire.observe(wire.machine.streamBytes($0, now: wire.now)) }.summary
    }

    @Test func theHeadGoesOutAtOnceChunkedWithNoLengthAndTheConnectionStreams() {
        let wire = Self.streaming()
        #expect(wire.machine.isStreaming && !wire.machine.isIdle)
        #expect(wire.drain().summary == "none")
        let head = wire.takeWritten()
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.contains("\r\nContent-Type: text/event-stream\r\n") && head.contains("\r\nCache-Control: no-cache\r\n"))
        #expect(head.contains("\r\nTransfer-Encoding: chunked\r\n") && !head.contains("Content-Length"))
        #expect(head.hasSuffix("\r\n\r\n"), "the head only: no body byte yet")
    }

    @Test func eachWriteIsOneChunkWrittenAsItComes() {
        let wire = Self.streaming()
        _ = wire.drain()
        _ = wire.takeWritten()
        #expect(Self.write(wire, "event: quote\ndata: {}\n\n") == "none")
        #expect(wire.machine.outputQueued, "the shell must flush it now")
        _ = wire.drain()
        #expect(wire.takeWritten() == "17\r\nevent: quote\ndata: {}\n\n\r\n")
        #expect(Self.write(wire, "x") == "none")
        _ = wire.drain()
        #expect(wire.takeWritten() == "1\r\nx\r\n")
    }

    @Test func aHeartbeatFillsEachIdleIntervalAndNotOneWithEvents() {
        let wire = Self.streaming()
        _ = wire.drain()
        _ = wire.takeWritten()
        #expect(wire.deadline == .seconds(5), "the heartbeat interval from the head")
        #expect(wire.fireAtDeadline().summary == "none")
        _ = wire.drain()
        #expect(wire.takeWritten() == "e\r\n: keep-alive\n\n\r\n")
        #expect(wire.deadline == .seconds(10), "the next one an interval later")
        wire.advance(.seconds(3))
        #expect(Self.write(wire, "e") == "none")
        #expect(wire.deadline == .seconds(13), "an event restarts the idle interval")
        wire.now = wire.start + .seconds(10)
        #expect(wire.fire().summary == "none")
        _ = wire.drain()
        #expect(wire.takeWritten() == "1\r\ne\r\n", "no heartbeat at 10 s: the stream was not idle")
        #expect(wire.fireAtDeadline().summary == "none")
        _ = wire.drain()
        #expect(wire.takeWritten().contains(": keep-alive"))
    }

    @Test func aStreamWithoutHeartbeatIsNotTimed() {
        let wire = ConnectionHarness(limits: Self.limits)
        _ = wire.send(ConnectionMachineTests.get("/relay"))
        _ = wire.returned()
        _ = wire.machine.deliver(.eventStream(ResponseStream(heartbeat: nil)), now: wire.now)
        _ = wire.drain()
        #expect(wire.machine.isStreaming && wire.deadline == nil, "a relay's heartbeats are its upstream's")
    }

    @Test func aSlowReaderIsClosedOnceTheUnsentStreamPassesItsBound() {
        let wire = Self.streaming()
        _ = wire.drain()
        _ = wire.takeWritten()
        let event = String(repeating: "d", count: 190)
        wire.writePart(0)  // the client reads nothing more
        var actions: [String] = []
        for _ in 0..<10 { actions.append(Self.write(wire, event)) }
        // 196 bytes per chunk: the sixth passes 1,000 unsent bytes.
        #expect(actions.prefix(5).allSatisfy { $0 == "none" } && actions[5] == "close")
        #expect(wire.machine.streamOverflowed)
        #expect(wire.close(), "the shell closes the socket, forgetting the buffer")
        #expect(!wire.machine.hasPendingOutput)
    }

    @Test func heartbeatsToAReaderThatNeverReadsAlsoHitTheBound() {
        var limits = Self.limits
        limits.writeTimeout = .seconds(3600)
        let wire = ConnectionHarness(limits: limits)
        _ = wire.send(ConnectionMachineTests.get("/events"))
        _ = wire.returned()
        _ = wire.machine.deliver(.eventStream(ResponseStream(heartbeat: Self.heartbeat)), now: wire.now)
        wire.writePart(0)
        var fired = "none"
        var beats = 0
        while fired == "none" && beats < 1000 {
            fired = wire.fireAtDeadline().summary
            beats += 1
        }
        #expect(fired == "close", "bounded even when nothing is produced")
        #expect(beats < 100)
    }

    @Test func aClientThatStopsReadingIsClosedAtTheWriteTimeout() {
        let wire = Self.streaming()
        wire.advance(.seconds(1))
        wire.writePart(10)
        #expect(wire.deadline == .seconds(5), "the heartbeat comes first")
        #expect(wire.fireAtDeadline().summary == "none")
        #expect(wire.deadline == .seconds(10))
        wire.now = wire.start + .seconds(21)
        #expect(wire.fire().summary == "close", "the write timeout of 20 s from the first blocked write")
    }

    @Test func theProducerFinishingSendsTheLastChunkAndTheConnectionGoesOn() {
        let wire = Self.streaming()
        _ = Self.write(wire, "a")
        #expect(wire.observe(wire.machine.streamFinished(now: wire.now)).summary == "none")
        #expect(wire.machine.state == .idle && wire.deadline == .seconds(60), "kept alive, the idle timeout")
        _ = wire.drain()
        #expect(wire.takeWritten().hasSuffix("1\r\na\r\n0\r\n\r\n"))
        #expect(wire.serveOnTheSpot(wire.send(ConnectionMachineTests.get("/next"))).served == ["/next"])
    }

    @Test func aRequestPipelinedBehindAStreamIsServedWhenItEnds() {
        let wire = Self.streaming()
        #expect(wire.send(ConnectionMachineTests.get("/after")).summary == "none", "it waits")
        let finished = wire.observe(wire.machine.streamFinished(now: wire.now))
        #expect(finished.summary == "dispatch GET /after")
    }

    @Test func anHTTP10StreamRunsToTheCloseWithoutChunks() {
        let wire = Self.streaming(minor: 0)
        _ = Self.write(wire, "data: 1\n\n")
        _ = wire.drain()
        let text = wire.takeWritten()
        #expect(!text.contains("Transfer-Encoding") && text.contains("\r\nConnection: close\r\n"))
        #expect(text.hasSuffix("\r\n\r\ndata: 1\n\n"), "the bytes as they are")
        _ = wire.machine.streamFinished(now: wire.now)
        #expect(wire.drain().summary == "shutdownWrite", "the close ends the body")
    }

    @Test func theClientLeavingClosesTheStream() {
        let wire = Self.streaming()
        #expect(wire.endOfInput().summary == "close")
    }

    @Test func theDrainEndsAStreamWithItsLastChunkThenCloses() {
        let wire = Self.streaming()
        _ = wire.drain()
        _ = wire.takeWritten()
        wire.environment.draining = true
        #expect(wire.observe(wire.machine.streamFinished(now: wire.now)).summary == "none")
        #expect(wire.machine.state == .closing)
        #expect(wire.drain().summary == "shutdownWrite")
        #expect(wire.takeWritten() == "0\r\n\r\n")
        #expect(wire.deadline == .seconds(2), "then the linger timeout bounds it")
    }

    @Test func aStreamAnswerToHeadSendsTheHeadOnly() {
        let wire = ConnectionHarness(limits: Self.limits)
        _ = wire.send("HEAD /events HTTP/1.1\r\nHost: a\r\n\r\n")
        _ = wire.returned()
        _ = wire.machine.deliver(.eventStream(ResponseStream(heartbeat: Self.heartbeat)), now: wire.now)
        #expect(!wire.machine.isStreaming && wire.machine.state == .idle)
        _ = wire.drain()
        #expect(wire.takeWritten().hasSuffix("\r\n\r\n"))
    }

    @Test func writesBeforeTheHeadAreKeptAndWritesAfterTheCloseRefused() {
        let stream = ResponseStream(heartbeat: nil)
        #expect(stream.write(Array("early".utf8)))
        let closed = ResponseStream(heartbeat: nil)
        let calls = Counter()
        closed.onClose { calls.increment() }
        closed.serverClosed()
        closed.serverClosed()
        #expect(!closed.write(Array("late".utf8)) && calls.value == 1, "the producer is told once")
        let big = ResponseStream(heartbeat: nil)
        #expect(!big.write([UInt8](repeating: 0x61, count: ResponseStream.earlyBytesMax + 1)), "the early bytes are bounded too")
        #expect(big.isClosed)
    }
}
