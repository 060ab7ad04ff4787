import Foundation
import HTTP
import Sockets

/// An HTTP client for tests, built on the suite's own `HTTPClient` with a loop of its own.
public final class TestClient: Sendable {
    /// A response, with helpers to read JSON.
    public struct Reply: Sendable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: [UInt8]

        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }

        /// A top-level string member.
        public func string(_ key: String) -> String? { json[key] as? String }

        /// A top-level integer member.
        public func int(_ key: String) -> Int? { (json[key] as? NSNumber)?.intValue }
    }

    private static let group = try! EventLoopGroup(count: 1, name: "test-client")
    private let client: HTTPClient
    /// Port of the server under test.
    public let port: Int

    /// A client for 127.0.0.1:`port`; `timeout` bounds every request.
    public init(port: Int, timeout: Duration = .seconds(10)) {
        self.port = port
        client = HTTPClient(configuration: .init(host: "127.0.0.1", port: port, timeout: timeout), group: Self.group)
    }

    /// Sends a request; `json` is sent as the body with `Content-Type: application/json`.
    public func send(_ method: String, _ target: String, headers: HTTPHeaders = HTTPHeaders(), json: String? = nil,
                     token: String? = nil) async throws -> Reply {
        var headers = headers
        if json != nil { headers.add("Content-Type", "application/json") }
        if let token { headers.add("Authorization", "Bearer \(token)") }
        let request = ClientRequest(method: method, target: target, headers: headers,
                                    body: json.map { Array($0.utf8) } ?? [], isRetryable: false)
        let response = try await client.send(request)
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }

    /// `GET`.
    public func get(_ target: String, token: String? = nil, headers: HTTPHeaders = HTTPHeaders()) async throws -> Reply {
        try await send("GET", target, headers: headers, token: token)
    }

    /// `POST` with a JSON body.
    public func post(_ target: String, json: String, token: String? = nil, headers: HTTPHeaders = HTTPHeaders()) async throws -> Reply {
        try await send("POST", target, headers: headers, json: json, token: token)
    }
}
