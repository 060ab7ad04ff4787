import Foundation

/// A real HTTP/1.1 server on 127.0.0.1 (kernel-chosen port) that stands in for Alpha Vantage in tests.
///
/// It answers `GET /query?function=...&symbol=...&apikey=...` in Alpha Vantage's exact formats from
/// programmable quotes and histories, or misbehaves on demand (`setMode`). Every request is recorded.
/// Plain POSIX sockets and a thread per connection: this is test support, and simplicity wins.
/// `stop()` (also run on deinit) closes everything and waits for the threads.
public final class FakeProvider: Sendable {
    private let script = FakeScript()
    private let server: FakeServer

    /// Binds 127.0.0.1 port 0 and starts accepting.
    public init() throws {
        server = try FakeServer(script: script)
    }

    deinit { server.stop() }

    /// The port the kernel chose.
    public var port: Int { server.port }

    /// `http://127.0.0.1:PORT/query`, the value for the client's base URL.
    public var baseURL: String { "http://127.0.0.1:\(port)/query" }

    /// Closes the listener and every connection and waits (bounded) for their threads. Idempotent.
    public func stop() { server.stop() }

    /// Every request target received (path and query, as sent), oldest first; keeps the last 10,000.
    public var requests: [String] { script.requests }

    /// Requests received with this `function` and `symbol` (exact, after percent-decoding), any mode.
    public func callCount(function: String, symbol: String) -> Int {
        script.callCount(function: function, symbol: symbol)
    }

    /// The `apikey` of the most recent request (nil when it had none, or before any request).
    public var lastAPIKey: String? { script.lastAPIKey }

    /// Connections accepted so far; fewer than `requests.count` shows that keep-alive reuse happened.
    public var connectionCount: Int { server.connectionCount }

    /// Makes `symbol` known with this `GLOBAL_QUOTE` price (e.g. "232.1600") and trading day.
    public func setQuote(symbol: String, price: String, day: String) {
        script.setQuote(symbol: symbol, price: price, day: day)
    }

    /// Makes `symbol` known with these `(date, close)` rows for `TIME_SERIES_DAILY` (any order; sent
    /// newest first, as the provider does).
    public func setHistory(symbol: String, closes: [(String, String)]) {
        script.setHistory(symbol: symbol, closes: closes)
    }

    /// Changes how the next requests are answered; takes effect immediately.
    public func setMode(_ mode: Mode) { script.setMode(mode) }

    /// A port on 127.0.0.1 that nothing listens on (bound to port 0, read back, closed), for testing
    /// "connection refused". Another process could grab it in between, but that is vanishingly rare.
    public static func closedPort() throws -> Int {
        let listener = try FakeSocket.listenLoopback()
        defer { FakeSocket.close(listener.fd) }
        return listener.port
    }
}
