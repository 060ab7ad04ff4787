import Foundation
import HTTP
import Sockets
import Synchronization
import Testing

/// Upstream names are resolved off the event loop, one lookup per host at a time, with successes
/// and failures cached (issue 22, item 10). The lookup is injected: it blocks on a gate, counts,
/// or fails, and the cache's clock is moved by hand.
@Suite struct HostResolverTests {
    /// A lookup stand-in: counts calls, blocks until opened, answers loopback or fails.
    final class FakeLookup: Sendable {
        private let state = Mutex((calls: 0, open: false, fails: false))
        let port: Int

        init(port: Int, open: Bool = true, fails: Bool = false) {
            self.port = port
            state.withLock { $0.open = open; $0.fails = fails }
        }

        var calls: Int { state.withLock { $0.calls } }
        func open() { state.withLock { $0.open = true } }
        func setFails(_ fails: Bool) { state.withLock { $0.fails = fails } }

        var function: HostResolver.Lookup {
            { [self] _, _ in
                let fails = state.withLock { state in
                    state.calls += 1
                    return state.fails
                }
                // Blocks like a resolver whose DNS server is gone (bounded, for the test's sake).
                let deadline = ContinuousClock.now + .seconds(20)
                while !state.withLock({ $0.open }) && ContinuousClock.now < deadline { usleep(2_000) }
                return fails ? nil : SocketAddress(host: "127.0.0.1", port: port)
            }
        }
    }

    /// A clock the test moves.
    final class HandMonotonicClock: Sendable {
        private let offset = Mutex(Duration.zero)
        let start = ContinuousClock.now
        func advance(_ by: Duration) { offset.withLock { $0 += by } }
        var function: @Sendable () -> ContinuousClock.Instant { { [self] in start + offset.withLock { $0 } } }
    }

    static func withUpstream(_ body: (Int) async throws -> Void) async throws {
        let server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1)) { _ in
            HTTPResponse(status: 200, body: Array("up".utf8))
        }
        do {
            try await body(server.port)
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }

    static func client(_ host: String, _ port: Int, _ resolver: HostResolver, group: EventLoopGroup,
                       timeout: Duration = .seconds(10)) -> HTTPClient {
        var configuration = HTTPClient.Configuration(host: host, port: port, timeout: timeout)
        configuration.resolver = resolver
        return HTTPClient(configuration: configuration, group: group)
    }

    /// Sends from the client's loop thread, as the gateway's proxy path does.
    static func sendFromLoop(_ client: HTTPClient, _ group: EventLoopGroup) async -> Result<ClientResponse, HTTPClientError> {
        await withCheckedContinuation { continuation in
            group.loops[0].execute {
                client.send(ClientRequest(method: "GET", target: "/")) { continuation.resume(returning: $0) }
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aBlockingLookupLeavesTheLoopServingAndIsMadeOncePerHost() async throws {
        try await Self.withUpstream { port in
            let group = try EventLoopGroup(count: 1, name: "dns-test")
            defer { Task { await group.shutdown() } }
            let lookup = FakeLookup(port: port, open: false)
            let resolver = HostResolver(lookup: lookup.function)
            let named = Self.client("stock.internal", port, resolver, group: group)
            let numeric = Self.client("127.0.0.1", port, resolver, group: group)

            // Ten requests for the name: all wait on one lookup, which blocks.
            let waiting = Task {
                await withTaskGroup(of: Result<ClientResponse, HTTPClientError>.self) { tasks in
                    for _ in 0..<10 { tasks.addTask { await Self.sendFromLoop(named, group) } }
                    return await tasks.reduce(into: []) { $0.append($1) }
                }
            }
            let started = ContinuousClock.now
            while lookup.calls == 0 && ContinuousClock.now - started < .seconds(5) { try await Task.sleep(for: .milliseconds(5)) }
            #expect(lookup.calls == 1)

            // Meanwhile the same loop serves another upstream at once.
            for _ in 0..<5 {
                let sent = ContinuousClock.now
                let other = await Self.sendFromLoop(numeric, group)
                #expect((try? other.get().status) == 200)
                #expect(ContinuousClock.now - sent < .seconds(2), "the loop was not blocked by the lookup")
            }

            lookup.open()
            let results = await waiting.value
            #expect(results.count == 10 && results.allSatisfy { (try? $0.get().status) == 200 }, "\(results)")
            #expect(lookup.calls == 1, "one lookup per host, the others waited on it")

            // Cached: no lookup for the next request.
            #expect((try? await Self.sendFromLoop(named, group).get().status) == 200)
            #expect(lookup.calls == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aFailingNameIsLookedUpOncePerNegativeWindow() async throws {
        let group = try EventLoopGroup(count: 1, name: "dns-test")
        defer { Task { await group.shutdown() } }
        let lookup = FakeLookup(port: 1, fails: true)
        let clock = HandMonotonicClock()
        let resolver = HostResolver(lookup: lookup.function, now: clock.function)
        let client = Self.client("gone.internal", 1, resolver, group: group)
        for _ in 0..<50 {
            let result = await Self.sendFromLoop(client, group)
            #expect(result.failureValue == .connectFailed, "502, as a refused connection: \(result)")
        }
        #expect(lookup.calls == 1, "one lookup, then the negative cache")

        clock.advance(.seconds(4))
        _ = await Self.sendFromLoop(client, group)
        #expect(lookup.calls == 1, "still inside the 5 s window")
        clock.advance(.seconds(1))
        _ = await Self.sendFromLoop(client, group)
        #expect(lookup.calls == 2, "the window ended: looked up again")
    }

    @Test(.timeLimit(.minutes(1)))
    func anExpiredAddressIsServedWhileOneRefreshRunsAndAFailedRefreshKeepsIt() async throws {
        try await Self.withUpstream { port in
            let group = try EventLoopGroup(count: 1, name: "dns-test")
            defer { Task { await group.shutdown() } }
            let lookup = FakeLookup(port: port)
            let clock = HandMonotonicClock()
            let resolver = HostResolver(lookup: lookup.function, now: clock.function)
            let client = Self.client("trade.internal", port, resolver, group: group)
            #expect((try? await Self.sendFromLoop(client, group).get().status) == 200)
            clock.advance(.seconds(29))
            #expect((try? await Self.sendFromLoop(client, group).get().status) == 200)
            #expect(lookup.calls == 1, "dnsCacheSeconds = 30")

            clock.advance(.seconds(1))
            lookup.setFails(true)
            for _ in 0..<5 {
                #expect((try? await Self.sendFromLoop(client, group).get().status) == 200, "the stale address, at once")
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while lookup.calls < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            // Kept: a negative check; a second refresh would already be queued, 50 ms lets it run.
            try await Task.sleep(for: .milliseconds(50))
            #expect(lookup.calls == 2, "one refresh")
            #expect((try? await Self.sendFromLoop(client, group).get().status) == 200, "a failed refresh keeps the address")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aRequestWaitingOnAHungLookupStillTimesOut() async throws {
        let group = try EventLoopGroup(count: 1, name: "dns-test")
        defer { Task { await group.shutdown() } }
        let lookup = FakeLookup(port: 1, open: false)
        defer { lookup.open() }
        let client = Self.client("hung.internal", 1, HostResolver(lookup: lookup.function), group: group,
                                 timeout: .milliseconds(300))
        let started = ContinuousClock.now
        let result = await Self.sendFromLoop(client, group)
        let waited = ContinuousClock.now - started
        #expect(result.failureValue == .connectTimedOut, "never reached the upstream: \(result)")
        #expect(waited >= .milliseconds(250) && waited < .seconds(3), "answered after \(waited)")
    }
}

extension Result {
    /// The failure, if any.
    var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
