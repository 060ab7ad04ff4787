import Testing
@testable import HTTP
import Sockets

/// A ``ConnectionMachine`` driven by hand (a class, so `#expect` can call its events): a clock that moves only when told, a socket that
/// takes every byte written (or none, when told it is full), and the output collected as text.
final class ConnectionHarness {
    /// A machine action with its payload taken, as the shell takes it.
    enum Action {
        case none
        case dispatch(HTTPRequest)
        case reject(HTTPRejection)
        case shutdownWrite
        case close
    }

    func observe(_ action: ConnectionMachine.Action) -> Action {
        switch action {
        case .none: .none
        case .dispatch: .dispatch(machine.takeRequest())
        case .reject: .reject(machine.takeRejection())
        case .shutdownWrite: .shutdownWrite
        case .close: .close
        }
    }

    var machine: ConnectionMachine
    let environment: ConnectionEnvironment
    /// The accept, the clock's zero.
    let start: LoopInstant
    var now: LoopInstant
    /// Everything written to the client so far, not yet taken by ``takeWritten()``.
    var written: [UInt8] = []

    /// Short, round limits so deadlines read plainly: header 10 s, body 30 s, idle 60 s, write
    /// 20 s, linger 2 s.
    static let limits: HTTPLimits = {
        var limits = HTTPLimits()
        limits.headerTimeout = .seconds(10)
        limits.bodyTimeout = .seconds(30)
        limits.idleTimeout = .seconds(60)
        limits.writeTimeout = .seconds(20)
        limits.lingerTimeout = .seconds(2)
        limits.bodyBytesMax = 64 * 1024
        limits.pipelinedInputBytesMax = 1024
        limits.outputBytesHighWater = 4096
        return limits
    }()

    init(limits: HTTPLimits = ConnectionHarness.limits, budget: BodyBudget? = nil) {
        let environment = ConnectionEnvironment(
            limits: limits,
            bodyBudget: budget ?? BodyBudget(bytesMax: limits.bufferedBodyBytesMax, smallBodyBytesMax: limits.smallBodyBytesMax),
            dateLine: Array("Date: Mon, 07 Dec 2026 07:00:00 GMT\r\n".utf8))
        let start = LoopInstant.now
        self.environment = environment
        self.start = start
        now = start
        machine = ConnectionMachine(peer: "10.0.0.9", environment: environment, now: start)
    }

    /// Seconds since the accept (the deadlines' readable form).
    func at(_ instant: LoopInstant?) -> Duration? { instant.map { $0 - start } }
    var deadline: Duration? { at(machine.deadline) }

    func advance(_ duration: Duration) { now += duration }

    /// Moves the clock to just before the deadline, checks nothing fires, then to the deadline.
    func fireAtDeadline(sourceLocation: SourceLocation = #_sourceLocation) -> Action {
        guard let deadline = machine.deadline else { return .none }
        now = deadline - .milliseconds(1)
        let early = observe(machine.timerFired(now: now))
        #expect(early.summary == "none", "fired before its deadline", sourceLocation: sourceLocation)
        now = deadline
        return observe(machine.timerFired(now: now))
    }

    func send(_ text: String) -> Action {
        send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) -> Action {
        observe(bytes.withUnsafeBytes { machine.bytesRead($0, now: now) })
    }

    func returned() -> Action { observe(machine.responderReturned(now: now)) }
    func fire() -> Action { observe(machine.timerFired(now: now)) }
    func endOfInput() -> Action { observe(machine.endOfInput()) }
    func close() -> Bool { machine.close() }

    func answer(_ status: Int = 200, _ body: String = "ok", headers: HTTPHeaders = HTTPHeaders()) -> Action {
        observe(machine.deliver(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)), now: now))
    }

    /// Plays a responder that answers every request on the spot with its target, the way the
    /// shell does (deliver during the dispatch, then the return); gives the targets served and
    /// the action left over.
    func serveOnTheSpot(_ first: Action) -> (served: [String], then: Action) {
        var served: [String] = []
        var action = first
        while case .dispatch(let request) = action {
            served.append(request.target)
            #expect(answer(200, request.target).summary == "none", "an answer during the dispatch parses nothing")
            action = returned()
        }
        return (served, action)
    }

    /// A socket that takes everything: writes all pending output, then tells the machine.
    func drain() -> Action {
        if machine.hasPendingOutput {
            let before = written.count
            _ = machine.withPendingOutput { pending in
                written += pending
                return pending.count
            }
            machine.wrote(written.count - before)
        }
        return observe(machine.outputDrained(now: now))
    }

    /// A socket that takes `count` bytes, then blocks.
    func writePart(_ count: Int) {
        let taken = machine.withPendingOutput { pending in
            written += pending.prefix(count)
            return min(count, pending.count)
        }
        machine.wrote(taken)
        machine.writeBlocked(now: now)
    }

    func takeWritten() -> String {
        defer { written = [] }
        return String(decoding: written, as: UTF8.self)
    }

    /// Status codes of the responses in `text`, in order (interim ones included).
    static func statuses(_ text: String) -> [Int] {
        text.split(separator: "HTTP/1.1 ", omittingEmptySubsequences: true).compactMap { Int($0.prefix(3)) }
    }
}

extension ConnectionHarness.Action {
    /// One word per action, for comparisons and messages: `dispatch GET /a`, `reject 408`.
    var summary: String {
        switch self {
        case .none: "none"
        case .dispatch(let request): "dispatch \(request.method) \(request.target)"
        case .reject(let rejection): "reject \(rejection.status)"
        case .shutdownWrite: "shutdownWrite"
        case .close: "close"
        }
    }

    var rejection: HTTPRejection? {
        if case .reject(let rejection) = self { return rejection }
        return nil
    }
}
