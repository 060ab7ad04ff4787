import Testing
import Sockets
#if canImport(Glibc)
import Glibc
#endif
@testable import HTTP

/// ``HTTPClient/Configuration/responseHeaderBytesMax``: an upstream's response head past it is a
/// bad response (the gateway's 502), one within it passes; against a real in-process upstream.
@Suite("HTTPClient limits", .timeLimit(.minutes(1)))
struct HTTPClientLimitTests {
    /// Answers with one field of `valueBytes` bytes.
    static func upstream(valueBytes: Int) throws -> HTTPServer {
        let value = String(repeating: "v", count: valueBytes)
        return try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1),
                              responder: { _ in HTTPResponse(status: 200, headers: ["X-Big": value], body: Array("ok".utf8)) })
    }

    static func get(port: Int, headerBytesMax: Int) async throws -> Result<ClientResponse, HTTPClientError> {
        let group = try EventLoopGroup(count: 1, name: "client-limit")
        var configuration = HTTPClient.Configuration(host: "127.0.0.1", port: port, timeout: .seconds(5))
        configuration.responseHeaderBytesMax = headerBytesMax
        let client = HTTPClient(configuration: configuration, group: group)
        let result: Result<ClientResponse, HTTPClientError>
        do {
            result = .success(try await client.send(ClientRequest(method: "GET", target: "/")))
        } catch {
            result = .failure(error)
        }
        await group.shutdown()
        return result
    }

    @Test func aResponseHeadPastTheLimitIsABadResponseAndOneWithinItPasses() async throws {
        let server = try Self.upstream(valueBytes: 20 * 1024)
        let within = try await Self.get(port: server.port, headerBytesMax: 24 * 1024)
        let past = try await Self.get(port: server.port, headerBytesMax: 16 * 1024)
        await server.shutdown()
        #expect((try? within.get())?.status == 200)
        guard case .failure(let error) = past else {
            Issue.record("a 20 KiB field passed a 16 KiB limit")
            return
        }
        #expect(error == .badResponse)
        #expect(HTTPClient.Configuration(host: "a", port: 1, timeout: .seconds(1)).responseHeaderBytesMax == 64 * 1024)
    }

    /// A connect the upstream never answers (here: a listener whose accept queue is full, so the
    /// kernel drops the SYN, as a stopped container's address does) ends at the deadline as
    /// `connectTimedOut`, not as `timedOut`: the request never left, which the gateway tells apart.
    @Test func anUnansweredConnectIsAConnectTimeout() async throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0 && listen(listener, 0) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        // One connection fills a backlog of 0; it is never accepted.
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(filler) }
        let filled = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(filled == 0)

        let group = try EventLoopGroup(count: 1, name: "client-connect")
        let client = HTTPClient(configuration: .init(host: "127.0.0.1", port: port, timeout: .milliseconds(300)), group: group)
        let started = ContinuousClock.now
        var failure: HTTPClientError?
        do {
            _ = try await client.send(ClientRequest(method: "GET", target: "/"))
        } catch {
            failure = error
        }
        let waited = ContinuousClock.now - started
        await group.shutdown()
        #expect(failure == .connectTimedOut, "\(String(describing: failure))")
        #expect(waited >= .milliseconds(250) && waited < .seconds(3), "answered after \(waited)")
    }
}
