import Testing
@testable import HTTP
import Sockets

/// The connection's timing and persistence, with no socket and no sleep: a hand-moved clock
/// (``ConnectionHarness``) and the machine's events. Every timeout fires at its instant and not a
/// millisecond before; the real-socket smoke tests in `HTTPServerTests` check the shell wires it up.
@Suite("ConnectionMachine")
struct ConnectionMachineTests {
    static func get(_ target: String, _ fields: String = "") -> String {
        "GET \(target) HTTP/1.1\r\nHost: a\r\n\(fields)\r\n"
    }

    // MARK: - Header timeout

    @Test func aNewConnectionThatSendsNothingIsClosedSilentlyAtTheHeaderTimeout() {
        let wire = ConnectionHarness()
        #expect(wire.deadline == .seconds(10), "the header timeout, not the idle one (API.md)")
        #expect(wire.fireAtDeadline().summary == "close")
        #expect(wire.written.isEmpty)
    }

    @Test func aHeadNotInWithinTheHeaderTimeoutFromItsFirstByteIs408ThenLingerThenClose() throws {
        let wire = ConnectionHarness()
        wire.advance(.seconds(3))
        #expect(wire.send("GET / HTTP/1.1\r\nHo").summary == "none")
        #expect(wire.deadline == .seconds(13), "counted from the first byte")
        wire.advance(.seconds(5))
        #expect(wire.send("st: a\r\n").summary == "none")
        #expect(wire.deadline == .seconds(13), "more bytes do not renew it")
        let fired = wire.fireAtDeadline()
        let rejection = try #require(fired.rejection, "\(fired.summary)")
        #expect(rejection.status == 408 && rejection.duration == .seconds(10) && rejection.method == nil)
        #expect(rejection.peer == "10.0.0.9" && !rejection.requestID.isEmpty)
        #expect(wire.machine.outputQueued, "the shell must flush the 408")
        #expect(wire.deadline == nil, "nothing timed while the last answer is written without blocking")
        #expect(wire.drain().summary == "shutdownWrite")
        let text = wire.takeWritten()
        #expect(text.hasPrefix("HTTP/1.1 408 ") && text.contains("\r\nConnection: close\r\n"))
        #expect(text.contains("\r\nX-Request-ID: \(rejection.requestID)\r\n"))
        #expect(wire.deadline == .seconds(15), "then the linger timeout")
        #expect(wire.fireAtDeadline().summary == "close")
    }

    @Test func aByteDrippingClientIsCutOffAtTheHeaderTimeout() {
        let wire = ConnectionHarness()
        var fired = ConnectionHarness.Action.none
        for byte in Array("GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ".utf8) + Array(repeating: 0x61, count: 40) {
            #expect(wire.send([byte]).summary == "none")
            wire.advance(.milliseconds(500))
            fired = wire.fire()
            if fired.summary != "none" { break }
        }
        #expect(fired.summary == "reject 408")
        #expect(wire.now - wire.start == .seconds(10), "after 20 bytes at 2 a second")
    }

    @Test func aKeptAliveConnectionGivesTheNextRequestTheHeaderTimeoutFromItsFirstByte() {
        let wire = ConnectionHarness()
        #expect(wire.serveOnTheSpot(wire.send(Self.get("/a"))).served == ["/a"])
        #expect(wire.deadline == .seconds(60), "idle between requests")
        wire.advance(.seconds(30))
        #expect(wire.send("GET /b HT").summary == "none")
        #expect(wire.deadline == .seconds(40))
    }

    // MARK: - Body, idle, write and linger timeouts

    @Test func aBodyNotInWithinTheBodyTimeoutIs408NamingItsMethod() throws {
        let wire = ConnectionHarness()
        wire.advance(.seconds(1))
        #expect(wire.send("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc").summary == "none")
        #expect(wire.deadline == .seconds(31), "the body timeout from the end of the head")
        wire.advance(.seconds(19))
        #expect(wire.send("de").summary == "none")
        #expect(wire.deadline == .seconds(31))
        let rejection = try #require(wire.fireAtDeadline().rejection)
        #expect(rejection.status == 408 && rejection.method == "POST" && rejection.duration == .seconds(30))
        #expect(wire.environment.bodyBudget.bytesHeld == 0, "the partial body is given back")
    }

    @Test func nothingIsTimedWhileTheResponderWorks() {
        let wire = ConnectionHarness()
        #expect(wire.send(Self.get("/slow")).summary == "dispatch GET /slow")
        #expect(wire.returned().summary == "none")
        #expect(wire.deadline == nil)
        wire.advance(.seconds(3600))
        #expect(wire.fire().summary == "none")
        #expect(wire.answer().summary == "none")
        #expect(wire.deadline == .seconds(3660), "the idle timeout from the answer")
    }

    @Test func anIdleKeptAliveConnectionIsClosedSilentlyAtTheIdleTimeout() {
        let wire = ConnectionHarness()
        wire.advance(.seconds(4))
        #expect(wire.serveOnTheSpot(wire.send(Self.get("/a"))).served == ["/a"])
        #expect(wire.drain().summary == "none")
        _ = wire.takeWritten()
        #expect(wire.deadline == .seconds(64))
        #expect(wire.fireAtDeadline().summary == "close")
        #expect(wire.written.isEmpty, "no 408 for a connection between requests")
    }

    @Test func aClientThatStopsReadingIsClosedAtTheWriteTimeoutFromTheFirstBlockedWrite() {
        let wire = ConnectionHarness()
        #expect(wire.send(Self.get("/big")).summary == "dispatch GET /big")
        _ = wire.returned()
        wire.advance(.seconds(1))
        #expect(wire.answer(200, String(repeating: "a", count: 3000)).summary == "none")
        wire.writePart(100)
        #expect(wire.machine.wantsWritable && wire.deadline == .seconds(21), "the write timeout before the idle one")
        wire.advance(.seconds(5))
        wire.writePart(100)
        #expect(wire.deadline == .seconds(21), "progress does not renew it")
        #expect(wire.fireAtDeadline().summary == "close")
    }

    @Test func aBlockedWriteThatCompletesDisarmsTheWriteTimeout() {
        let wire = ConnectionHarness()
        _ = wire.serveOnTheSpot(wire.send(Self.get("/a")))
        wire.writePart(10)
        #expect(wire.deadline == .seconds(20))
        wire.advance(.seconds(2))
        #expect(wire.drain().summary == "none")
        #expect(!wire.machine.wantsWritable && wire.deadline == .seconds(60), "back to the idle timeout")
    }

    @Test func aLingeringConnectionDiscardsWhatTheClientSendsAndClosesAtItsEndOfInput() {
        let wire = ConnectionHarness()
        #expect(wire.serveOnTheSpot(wire.send(Self.get("/a", "Connection: close\r\n"))).served == ["/a"])
        wire.advance(.seconds(1))
        #expect(wire.drain().summary == "shutdownWrite")
        #expect(wire.machine.state == .lingering && wire.machine.wantsRead && wire.deadline == .seconds(3))
        #expect(wire.send(Self.get("/ignored")).summary == "none", "read and discarded")
        #expect(!wire.machine.hasPendingOutput)
        #expect(wire.endOfInput().summary == "close")
    }

    // MARK: - Pipelining

    @Test func pipelinedRequestsAnsweredOnTheSpotLeaveInOrderWithoutRecursion() {
        let wire = ConnectionHarness()
        let (served, then) = wire.serveOnTheSpot(wire.send(Self.get("/1") + Self.get("/2") + Self.get("/3")))
        #expect(served == ["/1", "/2", "/3"] && then.summary == "none")
        #expect(wire.drain().summary == "none")
        let text = wire.takeWritten()
        #expect(ConnectionHarness.statuses(text) == [200, 200, 200])
        #expect(text.contains("\r\n\r\n/1HTTP/1.1 200 OK\r\n") && text.contains("\r\n\r\n/2HTTP/1.1 200 OK\r\n"))
        #expect(text.hasSuffix("\r\n\r\n/3"))
    }

    @Test func aPipelinedRequestWaitsForTheAnswerBeforeIt() {
        let wire = ConnectionHarness()
        #expect(wire.send(Self.get("/1") + Self.get("/2")).summary == "dispatch GET /1")
        #expect(wire.returned().summary == "none", "the answer comes later")
        #expect(wire.send(Self.get("/3")).summary == "none", "kept while /1 is handled")
        #expect(wire.answer(200, "one").summary == "dispatch GET /2", "the answer moves on to the next")
        _ = wire.returned()
        #expect(wire.answer(200, "two").summary == "dispatch GET /3")
    }

    @Test func pipelinedBytesPastTheirBoundPauseReadingUntilTheAnswer() {
        let wire = ConnectionHarness()
        #expect(wire.send(Self.get("/first")).summary == "dispatch GET /first")
        _ = wire.returned()
        let pipelined = Array((0..<40).map { Self.get("/p\($0)") }.joined().utf8)  // over 1 KiB
        #expect(wire.send(Array(pipelined.prefix(1000))).summary == "none")
        #expect(wire.machine.wantsRead, "1,000 bytes are within pipelinedInputBytesMax")
        #expect(wire.send(Array(pipelined.dropFirst(1000))).summary == "none")
        #expect(!wire.machine.wantsRead, "past 1 KiB the rest waits in the kernel")
        #expect(wire.answer().summary == "dispatch GET /p0")
        #expect(wire.machine.wantsRead)
    }

    @Test func unsentOutputPastTheHighWaterPausesReadingUntilItIsWritten() {
        let wire = ConnectionHarness()
        #expect(wire.send(Self.get("/big") + Self.get("/next")).summary == "dispatch GET /big")
        #expect(wire.answer(200, String(repeating: "a", count: 5000)).summary == "none")
        #expect(wire.returned().summary == "none", "/next waits")
        #expect(!wire.machine.wantsRead)
        #expect(wire.drain().summary == "dispatch GET /next", "written: reading resumes with what was kept")
        #expect(wire.machine.wantsRead)
    }

    // MARK: - Persistence and closing

    static let persistence: [(request: String, responseFields: HTTPHeaders, keptAlive: Bool, why: String)] = [
        (get("/"), [:], true, "1.1 keeps alive by default"),
        (get("/", "Connection: close\r\n"), [:], false, "the client asks to close"),
        ("GET / HTTP/1.0\r\n\r\n", [:], false, "1.0 closes by default"),
        ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", [:], true, "1.0 asks to keep alive"),
        (get("/"), ["Connection": "close"], false, "the responder asks to close"),
    ]

    @Test(arguments: persistence.indices)
    func keepAliveFollowsTheRequestAndTheResponder(row: Int) {
        let (request, fields, keptAlive, why) = Self.persistence[row]
        let wire = ConnectionHarness()
        guard case .dispatch = wire.send(request) else { Issue.record("\(why): not dispatched"); return }
        _ = wire.answer(200, "ok", headers: fields)
        _ = wire.returned()
        let next = wire.drain().summary
        let text = wire.takeWritten()
        #expect(next == (keptAlive ? "none" : "shutdownWrite"), "\(why)")
        #expect(text.components(separatedBy: "\r\nConnection: close\r\n").count == (keptAlive ? 1 : 2), "\(why): says close once")
        #expect(text.contains("\r\nConnection: keep-alive\r\n") == (keptAlive && request.contains("HTTP/1.0")), "\(why)")
    }

    @Test func aHalfClosedClientGetsItsAnswerWithCloseThenTheConnectionCloses() {
        let wire = ConnectionHarness()
        #expect(wire.send(Self.get("/a")).summary == "dispatch GET /a")
        _ = wire.returned()
        #expect(wire.endOfInput().summary == "none", "its answer is still wanted")
        #expect(!wire.machine.wantsRead)
        _ = wire.answer()
        #expect(wire.drain().summary == "close", "no lingering: the client has closed")
        #expect(wire.takeWritten().contains("\r\nConnection: close\r\n"))
    }

    @Test func endOfInputBetweenOrInsideRequestsClosesSilently() {
        let idle = ConnectionHarness()
        #expect(idle.endOfInput().summary == "close")
        let partial = ConnectionHarness()
        _ = partial.send("GET / HT")
        #expect(partial.endOfInput().summary == "close")
        #expect(partial.written.isEmpty && !partial.machine.hasPendingOutput, "no 408 to a client that left")
    }

    @Test func duringTheDrainAnswersSayCloseAndAnIdleConnectionClosesOnceWritten() {
        let wire = ConnectionHarness()
        #expect(wire.send(Self.get("/a")).summary == "dispatch GET /a")
        _ = wire.returned()
        wire.environment.draining = true
        _ = wire.answer()
        #expect(wire.drain().summary == "shutdownWrite")
        #expect(wire.takeWritten().contains("\r\nConnection: close\r\n"))

        let written = ConnectionHarness()
        _ = written.serveOnTheSpot(written.send(Self.get("/b")))
        written.writePart(10)
        #expect(!written.machine.isIdle, "an answer still being written is not idle")
        written.environment.draining = true
        #expect(written.drain().summary == "close", "answered before the drain, written: closed")
    }

    @Test func closingTwiceClosesOnce() {
        let wire = ConnectionHarness()
        #expect(wire.close())
        #expect(!wire.close())
        #expect(wire.machine.deadline == nil && wire.machine.isClosed)
        #expect(wire.answer().summary == "none", "an answer after the close is dropped")
    }

    // MARK: - Expect, HEAD, framing errors, body budget

    @Test func expectContinueGetsAGoAheadOnlyWhenNoBodyByteHasArrived() {
        let waiting = ConnectionHarness()
        let head = "POST /e HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
        #expect(waiting.send(head).summary == "none")
        #expect(waiting.drain().summary == "none")
        #expect(waiting.takeWritten() == "HTTP/1.1 100 Continue\r\n\r\n")
        #expect(waiting.send("hello").summary == "dispatch POST /e")

        let eager = ConnectionHarness()
        #expect(eager.send(head + "hello").summary == "dispatch POST /e")
        #expect(!eager.machine.hasPendingOutput, "the body came with the head: no 100")
    }

    @Test func aHeadAnswerCarriesTheLengthButNoBody() {
        let wire = ConnectionHarness()
        let (served, _) = wire.serveOnTheSpot(wire.send("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n" + Self.get("/g")))
        #expect(served == ["/h", "/g"])
        _ = wire.drain()
        let text = wire.takeWritten()
        #expect(text.contains("\r\nContent-Length: 2\r\n\r\nHTTP/1.1 200 OK\r\n"), "no body between the two: \(text)")
        #expect(text.hasSuffix("\r\n\r\n/g"))
    }

    @Test func aFramingErrorIs400ThenCloseAndLaterBytesAreIgnored() throws {
        let wire = ConnectionHarness()
        let rejection = try #require(wire.send("GET / HTTP/1.1\r\nHost : a\r\n\r\n").rejection)
        #expect(rejection.status == 400)
        #expect(wire.send(Self.get("/after")).summary == "none")
        #expect(wire.drain().summary == "shutdownWrite")
        #expect(ConnectionHarness.statuses(wire.takeWritten()) == [400])
    }

    @Test func aBodyPastTheBudgetIs503WithRetryAfterAndItsBytesAreGivenBack() throws {
        let budget = BodyBudget(bytesMax: 1000, smallBodyBytesMax: 100)
        let wire = ConnectionHarness(budget: budget)
        let head = "POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 900\r\n\r\n"
        #expect(wire.send(head + String(repeating: "x", count: 700)).summary == "none")
        #expect(budget.bytesHeld == 700)
        let rejection = try #require(wire.send(String(repeating: "x", count: 100)).rejection)
        #expect(rejection.status == 503 && rejection.method == "POST")
        #expect(budget.bytesHeld == 0, "shed: its bytes are free at once")
        _ = wire.drain()
        let text = wire.takeWritten()
        #expect(text.hasPrefix("HTTP/1.1 503 ") && text.contains("\r\nRetry-After: 5\r\n"))
    }

    @Test func bodyBytesAreGivenBackWhenAnsweredOrClosed() {
        let budget = BodyBudget(bytesMax: 10_000, smallBodyBytesMax: 100)
        let answered = ConnectionHarness(budget: budget)
        #expect(answered.send("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc").summary == "dispatch POST /p")
        #expect(budget.bytesHeld == 3, "held while the responder has the request")
        _ = answered.answer()
        #expect(budget.bytesHeld == 0)

        let closed = ConnectionHarness(budget: budget)
        _ = closed.send("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 30\r\n\r\nabc")
        #expect(budget.bytesHeld == 3)
        #expect(closed.close())
        #expect(budget.bytesHeld == 0)
    }
}
