import Testing
import Sockets
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
}
