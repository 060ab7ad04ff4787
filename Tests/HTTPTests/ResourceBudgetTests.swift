#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import HTTP
import TestSupport

/// The bookkeeping behind MAX_CONNECTIONS, MAX_CONNECTIONS_PER_PEER and MAX_BUFFERED_BODY_BYTES,
/// pure (no sockets), then each limit over real sockets against an in-process server.
@Suite("Resource budgets")
struct ResourceBudgetTests {
    // MARK: - Pure accounting

    /// Takes a place and admits `peer` the way the accept loop does.
    static func accept(_ admission: ConnectionAdmission, _ peer: String) -> String {
        guard admission.reservePlace() else { return "full" }
        return admission.admit(peer: peer) == .admitted ? "admitted" : "over peer"
    }

    @Test func admissionCountsTheTotalAndEachClient() {
        let admission = ConnectionAdmission(totalMax: 3, perPeerMax: 2)
        #expect(Self.accept(admission, "10.0.0.1") == "admitted")
        #expect(Self.accept(admission, "10.0.0.1") == "admitted")
        #expect(Self.accept(admission, "10.0.0.1") == "over peer", "a third from one client")
        #expect(admission.count == 2, "a refused connection gives its place back")
        #expect(Self.accept(admission, "10.0.0.2") == "admitted")
        #expect(admission.isFull)
        #expect(Self.accept(admission, "10.0.0.3") == "full")
        #expect(admission.count == 3, "no place is taken past the limit")
        admission.release(peer: "10.0.0.1")
        #expect(!admission.isFull && admission.count(peer: "10.0.0.1") == 1)
        #expect(Self.accept(admission, "10.0.0.3") == "admitted")
        for peer in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] { admission.release(peer: peer) }
        #expect(admission.count == 0)
        #expect(["10.0.0.1", "10.0.0.2", "10.0.0.3"].allSatisfy { admission.count(peer: $0) == 0 })
    }

    @Test func withoutAPerClientLimitOnlyTheTotalCounts() {
        let admission = ConnectionAdmission(totalMax: 2, perPeerMax: 0)
        #expect(Self.accept(admission, "10.0.0.1") == "admitted")
        #expect(Self.accept(admission, "10.0.0.1") == "admitted")
        #expect(Self.accept(admission, "10.0.0.1") == "full")
    }

    @Test func placesTakenConcurrentlyNeverPassTheTotal() async {
        let admission = ConnectionAdmission(totalMax: 50, perPeerMax: 0)
        let taken = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<20).filter { _ in admission.reservePlace() }.count }
            }
            return await group.reduce(0, +)
        }
        #expect(taken == 50 && admission.count == 50)
    }

    @Test("an IPv6 client is its /64; an IPv4-mapped address is its IPv4 address", arguments: [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:eeee:dddd:9", true),
        ("2001:db8:1:2::1", "2001:db8:1:3::1", false),
        ("::ffff:10.0.0.1", "10.0.0.1", true),
        ("10.0.0.1", "10.0.0.2", false),
    ])
    func clientKeys(_ one: String, _ other: String, _ same: Bool) {
        #expect((ConnectionAdmission.key(one) == ConnectionAdmission.key(other)) == same, "\(one) vs \(other)")
    }

    @Test func aBodyDeclaredPastTheSmallSizeGetsThreeQuartersOfTheBudgetASmallOneAllOfIt() {
        let budget = BodyBudget(bytesMax: 1000, smallBodyBytesMax: 100)
        #expect(budget.charge(650, declaredBytes: 650), "a large body up to three quarters")
        #expect(!budget.charge(101, declaredBytes: 101), "another large one would pass 750")
        #expect(budget.bytesHeld == 650, "a refused charge charges nothing")
        #expect(budget.charge(100, declaredBytes: 100), "a small body may use the reserve")
        #expect(!budget.charge(1, declaredBytes: 101), "a body declaring 101 bytes is large: refused past 750")
        #expect(budget.charge(90, declaredBytes: 90) && budget.charge(90, declaredBytes: 90) && budget.charge(70, declaredBytes: 70))
        #expect(budget.bytesHeld == 1000)
        #expect(!budget.charge(1, declaredBytes: 1), "nothing passes the whole budget")
        budget.release(1000)
        #expect(budget.bytesHeld == 0)
    }

    /// The first bytes of a large body are large too: judged by what had arrived, a few hundred
    /// stalled large bodies could each take 16 KiB of the reserve kept for orders and logins.
    @Test func theFirstBytesOfALargeBodyCannotSpendTheSmallBodiesReserve() {
        let budget = BodyBudget(bytesMax: 1000, smallBodyBytesMax: 100)
        #expect(budget.charge(700, declaredBytes: 10_000))
        #expect(!budget.charge(60, declaredBytes: 10_000), "60 bytes of a 10,000-byte body past 750")
        #expect(!budget.charge(60, declaredBytes: nil), "a chunked body's size is unknown: large")
        #expect(budget.charge(60, declaredBytes: 60), "an order still gets in")
        #expect(budget.bytesHeld == 760)
    }

    @Test func concurrentChargesNeverPassTheBudget() async {
        let budget = BodyBudget(bytesMax: 10_000, smallBodyBytesMax: 100)
        final class Peak: Sendable { let bytes = Atomic<Int>(0) }
        let peak = Peak()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for round in 0..<5_000 {
                        let size = round % 2 == 0 ? 50 : 700
                        if budget.charge(size, declaredBytes: size) {
                            peak.bytes.max(budget.bytesHeld, ordering: .relaxed)
                            budget.release(size)
                        }
                    }
                }
            }
        }
        #expect(budget.bytesHeld == 0)
        #expect(peak.bytes.load(ordering: .relaxed) <= 10_000)
    }

    // MARK: - Over real sockets

    static func limits() -> HTTPLimits {
        var limits = HTTPServerTests.limits()
        limits.bodyBytesMax = 128 * 1024
        return limits
    }

    @Test("past MAX_CONNECTIONS the server stops accepting; a newcomer waits in the backlog until one closes")
    func connectionsPastTheTotalWait() async throws {
        var limits = Self.limits()
        limits.connectionsMax = 3
        try await HTTPServerTests.withServer(limits: limits) { server in
            let port = server.port
            try await rawBlocking {
                let served = (0..<3).compactMap { _ in AttackSocket(port: port) }
                for socket in served {
                    socket.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\n")
                    #expect(socket.readStatus(timeoutMs: 2000) == 200)
                }
                let waiting = try #require(AttackSocket(port: port), "the kernel completes the handshake")
                waiting.send("GET /late HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(waiting.read(timeoutMs: 400) == .nothing, "not accepted while three are open")
                #expect(server.connectionCount == 3)
                served[0].close()
                #expect(waiting.readStatus(timeoutMs: 2000) == 200, "accepted once a place is free")
            }
        }
    }

    @Test("past MAX_CONNECTIONS_PER_PEER a client's next connection is closed at once; another client is served")
    func connectionsPastThePerClientLimitAreClosed() async throws {
        var limits = Self.limits()
        limits.connectionsPerPeerMax = 2
        try await HTTPServerTests.withServer(limits: limits) { server in
            let port = server.port
            try await rawBlocking {
                let held = (0..<2).compactMap { _ in AttackSocket(port: port, from: "127.0.0.2") }
                for socket in held {
                    socket.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                    #expect(socket.readStatus(timeoutMs: 2000) == 200)
                }
                let third = try #require(AttackSocket(port: port, from: "127.0.0.2"))
                third.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(third.read(timeoutMs: 2000) == .closed, "closed without an answer")
                let other = try #require(AttackSocket(port: port, from: "127.0.0.3"))
                other.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(other.readStatus(timeoutMs: 2000) == 200, "another client is served")
                held[0].close()
                #expect(Eventually.holdsBlocking(within: .seconds(3)) { server.connectionCount == 2 }, "the server saw the close")
                let again = try #require(AttackSocket(port: port, from: "127.0.0.2"))
                again.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                #expect(again.readStatus(timeoutMs: 2000) == 200, "a place freed is the client's again")
            }
        }
    }

    @Test("a body that would pass MAX_BUFFERED_BODY_BYTES is 503 with Retry-After and a close; small bodies still pass")
    func bodiesPastTheBudgetAreShed() async throws {
        var limits = Self.limits()
        limits.bufferedBodyBytesMax = 256 * 1024  // large bodies: 192 KiB together
        try await HTTPServerTests.withServer(limits: limits) { server in
            let port = server.port
            try await rawBlocking {
                let head = "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: \(120 * 1024)\r\n\r\n"
                let first = try #require(AttackSocket(port: port))
                first.send(head + String(repeating: "x", count: 100 * 1024))  // held, unfinished
                #expect(Eventually.holdsBlocking(within: .seconds(3)) { server.bufferedBodyBytes == 100 * 1024 })

                let second = try #require(AttackSocket(port: port))
                second.send(head + String(repeating: "y", count: 100 * 1024))
                var answer: [UInt8] = []
                while case .bytes(let bytes) = second.read(timeoutMs: 2000) { answer += bytes }
                let text = String(decoding: answer, as: UTF8.self)
                #expect(text.hasPrefix("HTTP/1.1 503 "), "\(text.prefix(300))")
                #expect(text.contains("\r\nRetry-After: 5\r\n") && text.contains("\r\nConnection: close\r\n"))
                #expect(server.bufferedBodyBytes == 100 * 1024, "the shed body's bytes were given back")

                let small = try #require(AttackSocket(port: port))
                small.send("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
                #expect(small.readStatus(timeoutMs: 2000) == 200, "a small body is still served")

                first.close()
                #expect(Eventually.holdsBlocking(within: .seconds(3)) { server.bufferedBodyBytes == 0 }, "a closed connection gives its bytes back")
            }
        }
    }

    @Test("an answered request gives its body bytes back")
    func answeredBodiesAreReleased() async throws {
        try await HTTPServerTests.withServer(limits: Self.limits()) { server in
            let port = server.port
            try await rawBlocking {
                for _ in 0..<3 {
                    let client = try #require(AttackSocket(port: port))
                    client.send("POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 70000\r\n\r\n" + String(repeating: "z", count: 70_000))
                    #expect(client.readStatus(timeoutMs: 2000) == 200)
                }
                #expect(Eventually.holdsBlocking(within: .seconds(3)) { server.bufferedBodyBytes == 0 })
            }
        }
    }
}
