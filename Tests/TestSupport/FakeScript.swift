import Synchronization

/// What the fake knows and has seen: programmed data, the mode, and the request log. Thread-safe.
final class FakeScript: Sendable {
    /// What the connection should do with one request.
    enum Action: Sendable {
        case reply(FakeHTTPResponse)
        case hang
    }

    private struct State {
        var quotes: [String: (price: String, day: String)] = [:]
        var histories: [String: [(String, String)]] = [:]
        var mode: FakeProvider.Mode = .normal
        var requests: [String] = []
        var callCounts: [String: Int] = [:]
        var lastAPIKey: String?
    }

    /// Bounds the request log of a long-running fake.
    static let requestLogMax = 10_000

    private let state = Mutex(State())

    var requests: [String] { state.withLock { $0.requests } }
    var lastAPIKey: String? { state.withLock { $0.lastAPIKey } }

    func callCount(function: String, symbol: String) -> Int {
        state.withLock { $0.callCounts[Self.countKey(function, symbol)] ?? 0 }
    }

    func setQuote(symbol: String, price: String, day: String) {
        state.withLock { $0.quotes[symbol] = (price, day) }
    }

    func setHistory(symbol: String, closes: [(String, String)]) {
        state.withLock { $0.histories[symbol] = closes }
    }

    func setMode(_ mode: FakeProvider.Mode) { state.withLock { $0.mode = mode } }

    /// Records the request and decides the answer, with a delay to apply first (milliseconds).
    func handle(target: String) -> (action: Action, delayMs: Int) {
        let request = FakeRequestTarget(target)
        let function = request.query["function"] ?? ""
        let symbol = request.query["symbol"] ?? ""
        return state.withLock { state in
            if state.requests.count >= Self.requestLogMax { state.requests.removeFirst() }
            state.requests.append(target)
            state.callCounts[Self.countKey(function, symbol), default: 0] += 1
            state.lastAPIKey = request.query["apikey"]
            guard request.path == "/query" else {
                return (.reply(.init(status: 404, body: Array("no such path".utf8))), 0)
            }
            switch state.mode {
            case .normal:
                return (.reply(Self.normal(request, function, symbol, state)), 0)
            case .delay(let milliseconds):
                return (.reply(Self.normal(request, function, symbol, state)), milliseconds)
            case .note:
                return (.reply(.json(FakeReplies.note)), 0)
            case .information:
                return (.reply(.json(FakeReplies.information)), 0)
            case .errorMessage:
                return (.reply(.json(FakeReplies.errorMessage(function))), 0)
            case .emptyQuote:
                let body = function == "GLOBAL_QUOTE" ? FakeReplies.emptyQuote : FakeReplies.errorMessage(function)
                return (.reply(.json(body)), 0)
            case .http500:
                return (.reply(.init(status: 500, body: Array("Internal Server Error".utf8))), 0)
            case .garbage:
                return (.reply(.init(status: 200, body: Array("<html><body>Service Unavailable".utf8))), 0)
            case .hang:
                return (.hang, 0)
            case .oversized(let bytes, let declaresLength):
                let body = Array(repeating: UInt8(ascii: " "), count: max(bytes, 0))
                return (.reply(.init(status: 200, body: body, declaresLength: declaresLength)), 0)
            }
        }
    }

    private static func normal(
        _ request: FakeRequestTarget, _ function: String, _ symbol: String, _ state: State
    ) -> FakeHTTPResponse {
        // Alpha Vantage rejects a call without a key with an `Error Message`.
        guard let key = request.query["apikey"], !key.isEmpty else {
            return .json(FakeReplies.errorMessage(function))
        }
        switch function {
        case "GLOBAL_QUOTE":
            guard let quote = state.quotes[symbol] else { return .json(FakeReplies.emptyQuote) }
            return .json(FakeReplies.quote(symbol: symbol, price: quote.price, day: quote.day))
        case "TIME_SERIES_DAILY":
            guard let rows = state.histories[symbol] else { return .json(FakeReplies.errorMessage(function)) }
            return .json(FakeReplies.dailySeries(symbol: symbol, rows: rows))
        default:
            return .json(FakeReplies.errorMessage(function))
        }
    }

    private static func countKey(_ function: String, _ symbol: String) -> String { function + "\u{0}" + symbol }
}
