import HTTP
import Sockets

/// The run's one HTTP client to the gateway (our own HTTP/1.1 client on our own event loop) and
/// the requests it makes, each as a ``ClientRequest``.
public final class SuiteClient: Sendable {
    /// A finished exchange: a status, or why there was none.
    public enum Outcome: Sendable {
        case response(status: Int, body: [UInt8])
        case failed(HTTPClientError)

        /// The report's label: the status, or the failure's name.
        var label: String {
            switch self {
            case .response(let status, _): return String(status)
            case .failed(let error): return SuiteClient.label(error)
            }
        }
    }

    let group: EventLoopGroup
    let http: HTTPClient
    /// The loop everything of the timed part runs on.
    var loop: EventLoop { group.loops[0] }

    /// A client for `host:port` with one event loop of its own: one thread sends and receives every
    /// request, which keeps the generator to about one core of the machine it shares with the suite.
    public init(host: String, port: Int, timeout: Duration) throws {
        group = try EventLoopGroup(count: 1, name: "loadgen")
        var configuration = HTTPClient.Configuration(host: host, port: port, timeout: timeout)
        configuration.idleConnectionsMax = LoadOptions.usersMax
        http = HTTPClient(configuration: configuration, group: group)
    }

    /// Stops the loop.
    public func shutdown() async {
        await group.shutdown()
    }

    static func label(_ error: HTTPClientError) -> String {
        switch error {
        case .connectFailed: "connect"
        case .timedOut: "timeout"
        case .connectTimedOut: "connect-timeout"
        case .connectionFailed: "broken"
        case .badResponse: "bad-response"
        }
    }

    /// A request as the run sends it (never retried by the client itself: the run decides).
    static func request(_ method: String, _ target: String, token: String? = nil, json: [UInt8]? = nil,
                        idempotencyKey: String? = nil) -> ClientRequest {
        var headers = HTTPHeaders()
        if let token { headers.add("Authorization", "Bearer " + token) }
        if json != nil { headers.add("Content-Type", "application/json") }
        if let idempotencyKey { headers.add("Idempotency-Key", idempotencyKey) }
        return ClientRequest(method: method, target: target, headers: headers, body: json ?? [], isRetryable: false)
    }

    /// Sends `request` from any task.
    func send(_ request: ClientRequest) async -> Outcome {
        do {
            let response = try await http.send(request)
            return .response(status: response.status, body: response.body)
        } catch {
            return .failed(error)
        }
    }

    /// Sends `request` on the loop thread; `completion` runs there.
    func sendOnLoop(_ request: ClientRequest, completion: @escaping @Sendable (Outcome) -> Void) {
        http.send(request) { result in
            switch result {
            case .success(let response): completion(.response(status: response.status, body: response.body))
            case .failure(let error): completion(.failed(error))
            }
        }
    }
}
