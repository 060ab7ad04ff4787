@testable import StockService
import Synchronization
import TestSupport
import Testing

/// One provider call per symbol at a time: callers that arrive while it runs share its result,
/// failures included; a caller after it ended starts a new one. No sleeps decide anything: the
/// operation waits at a door the test opens once every caller has joined.
@Suite struct SingleFlightTests {
    /// Operations wait here until the test opens it.
    final class Door: Sendable {
        private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

        func wait() async {
            await withCheckedContinuation { continuation in
                let isOpen = state.withLock { state in
                    if !state.open { state.waiting.append(continuation) }
                    return state.open
                }
                if isOpen { continuation.resume() }
            }
        }

        func open() {
            let waiting = state.withLock { state in
                state.open = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume() }
        }
    }

    struct Timeout: Error {}

    /// Waits (polling) until `condition` holds; throws after 10 s so a broken flight fails, never hangs.
    static func until(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                throw Timeout()
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    enum Failure: Error, Equatable {
        case providerDown
    }

    @Test func concurrentCallersShareOneCall() async throws {
        let flight = SingleFlight<Int>()
        let calls = Counter()
        let door = Door()
        let operation: @Sendable () async -> Int = {
            let call = calls.increment()
            await door.wait()
            return 40 + call
        }
        let first = Task { await flight.run("AAPL", operation) }
        try await Self.until("the first call runs") { calls.value == 1 }
        let joiners = (0..<20).map { _ in Task { await flight.run("AAPL", operation) } }
        try await Self.until("twenty callers joined") { flight.joinedCount == 20 }
        door.open()
        #expect(await first.value == 41)
        for joiner in joiners { #expect(await joiner.value == 41) }
        #expect(calls.value == 1)
    }

    @Test func aFailureReachesEveryCallerAndTheNextCallIsNew() async throws {
        let flight = SingleFlight<Result<Int, Failure>>()
        let calls = Counter()
        let door = Door()
        let failing: @Sendable () async -> Result<Int, Failure> = {
            calls.increment()
            await door.wait()
            return .failure(.providerDown)
        }
        let first = Task { await flight.run("MSFT", failing) }
        try await Self.until("the first call runs") { calls.value == 1 }
        let joiners = (0..<5).map { _ in Task { await flight.run("MSFT", failing) } }
        try await Self.until("five callers joined") { flight.joinedCount == 5 }
        door.open()
        #expect(await first.value == .failure(.providerDown))
        for joiner in joiners { #expect(await joiner.value == .failure(.providerDown)) }
        #expect(calls.value == 1)

        // The failure is not kept: the next caller makes a new call, which may succeed.
        let next = await flight.run("MSFT") {
            calls.increment()
            return .success(7)
        }
        #expect(next == .success(7))
        #expect(calls.value == 2)
    }

    @Test func eachCallAfterTheLastEndedIsANewCall() async {
        let flight = SingleFlight<Int>()
        let calls = Counter()
        for expected in 1...3 {
            let value = await flight.run("AAPL") { calls.increment() }
            #expect(value == expected, "a finished result is not reused")
        }
        #expect(flight.joinedCount == 0)
    }

    @Test func differentKeysDoNotShare() async throws {
        let flight = SingleFlight<String>()
        let calls = Counter()
        let door = Door()
        let tasks = ["AAPL", "MSFT", "aapl"].map { key in
            Task {
                await flight.run(key) {
                    calls.increment()
                    await door.wait()
                    return key
                }
            }
        }
        try await Self.until("three calls run at once") { calls.value == 3 }
        door.open()
        #expect(await tasks.asyncMap { await $0.value } == ["AAPL", "MSFT", "aapl"])
        #expect(flight.joinedCount == 0)
    }

    /// A caller that goes away (its client disconnected) must not cancel the call the others wait on.
    @Test func aCancelledCallerDoesNotCancelTheSharedCall() async throws {
        let flight = SingleFlight<Bool>()
        let calls = Counter()
        let door = Door()
        let operation: @Sendable () async -> Bool = {
            calls.increment()
            await door.wait()
            return Task.isCancelled
        }
        let first = Task { await flight.run("AAPL", operation) }
        try await Self.until("the first call runs") { calls.value == 1 }
        let joiner = Task { await flight.run("AAPL", operation) }
        try await Self.until("a caller joined") { flight.joinedCount == 1 }
        first.cancel()
        door.open()
        #expect(await joiner.value == false, "the shared call was not cancelled")
        #expect(await first.value == false)
        #expect(calls.value == 1)
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var results: [T] = []
        for element in self { results.append(await transform(element)) }
        return results
    }
}
