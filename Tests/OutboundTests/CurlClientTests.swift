import Foundation
import Outbound
import TestSupport
import Testing

/// `CurlClient` itself, against a fake provider on loopback.
@Suite struct CurlClientTests {
    @Test(arguments: [true, false])
    func bodyOverTheCapIsRefused(declaresLength: Bool) async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setMode(.oversized(bytes: CurlClient.bodyBytesMax + 1, declaresLength: declaresLength))
        let result = await outcome { () async throws(CurlError) in
            try await CurlClient().get(fake.baseURL + "?apikey=k", timeoutMs: 5_000)
        }
        guard case .failure(.other(let code, _)) = result else {
            Issue.record("expected .other, got \(result)")
            return
        }
        #expect(code == CurlError.bodyTooLargeCode)
    }

    @Test(arguments: [true, false])
    func bodyAtTheCapIsDelivered(declaresLength: Bool) async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setMode(.oversized(bytes: CurlClient.bodyBytesMax, declaresLength: declaresLength))
        let response = try await CurlClient().get(fake.baseURL + "?apikey=k", timeoutMs: 5_000)
        #expect(response.status == 200)
        #expect(response.body.count == CurlClient.bodyBytesMax)
    }

    @Test func errorStatusesAreResponsesNotErrors() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setMode(.http500)
        let response = try await CurlClient().get(fake.baseURL, timeoutMs: 2_000)
        #expect(response.status == 500)
        #expect(String(decoding: response.body, as: UTF8.self) == "Internal Server Error")
    }

    @Test func hangIsTimedOutAndRefusalIsConnectFailed() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setMode(.hang)
        let curl = CurlClient()
        await #expect(throws: CurlError.timedOut) { try await curl.get(fake.baseURL, timeoutMs: 200) }
        let port = try FakeProvider.closedPort()
        await #expect(throws: CurlError.connectFailed) { try await curl.get("http://127.0.0.1:\(port)/", timeoutMs: 2_000) }
    }

    @Test func otherSchemesAreRefused() async throws {
        let result = await outcome { () async throws(CurlError) in
            try await CurlClient().get("file:///etc/hostname", timeoutMs: 1_000)
        }
        guard case .failure(.other) = result else {
            Issue.record("expected .other, got \(result)")
            return
        }
    }

    @Test func fullQueueFailsFast() async throws {
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setMode(.hang)
        let curl = CurlClient(workerCount: 1, queueCapacity: 1)
        let url = fake.baseURL
        // Occupy the only worker, and wait (bounded) until its request reached the fake.
        let first = Task { await outcome { () async throws(CurlError) in try await curl.get(url, timeoutMs: 1_000) } }
        for _ in 0..<200 where fake.requests.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        #expect(fake.requests.count == 1)
        async let second = outcome { () async throws(CurlError) in try await curl.get(url, timeoutMs: 1_000) }
        async let third = outcome { () async throws(CurlError) in try await curl.get(url, timeoutMs: 1_000) }
        let outcomes = await [second, third]
        let queueFull = outcomes.filter {
            if case .failure(.other(CurlError.queueFullCode, _)) = $0 { return true } else { return false }
        }
        #expect(queueFull.count == 1)
        #expect(outcomes.contains { $0 == .failure(.timedOut) })
        #expect(await first.value == .failure(.timedOut))
    }
}
