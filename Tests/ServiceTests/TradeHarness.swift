import Foundation
import HTTP
import Logging
import ServiceKit
import StockService
import Synchronization
import TestSupport
import TradeService

/// The trade service in-process on port 0 with a temporary SQLite file, in front of one of:
/// - `.fake`: the stock service in live mode against `FakeProvider`, with `QUOTE_TTL_SECONDS=0` so
///   every order sees exactly the price the test set with `setQuote`;
/// - `.simulated`: the stock service's simulated market (no `API_KEY`);
/// - `.closedPort`: nothing (`STOCK_URL` points at a port nobody listens on).
/// Tokens are minted with the trade service's own `JWT_SECRET`; no auth service is needed.
final class TradeHarness: Sendable {
    enum Market: Sendable {
        case fake, simulated, closedPort
        /// A stock service that takes requests and never answers (trade's `UPSTREAM_TIMEOUT_MS`).
        case silent
    }

    struct Options: Sendable {
        var market: Market = .fake
        var initialCash = "10000.00"
        var idempotencyTTLSeconds: Int?
        /// Trade's `UPSTREAM_TIMEOUT_MS`: generous unless a test wants the timeout to fire.
        var upstreamTimeoutMs = 15_000
        /// More of trade's variables (fees, order bounds, `MATCH_INTERVAL_MS`).
        var environment: [String: String] = [:]
    }

    static let secret = "trade-tests-secret-0123456789-abcdefghijkl"
    /// The trading day the fake's quotes carry.
    static let day = "2026-11-24"

    let options: Options
    let folder: TemporaryFolder
    let fake: FakeProvider?
    let stock: ServiceHost?
    /// The stand-in stock service of `.silent`.
    let silentStock: SuiteEchoUpstream?
    private let trade: Mutex<(host: ServiceHost, client: TestClient)>
    let tokens: TokenService

    private init(options: Options, folder: TemporaryFolder, fake: FakeProvider?, stock: ServiceHost?,
                 silentStock: SuiteEchoUpstream?, trade: ServiceHost, tokens: TokenService) {
        self.options = options
        self.folder = folder
        self.fake = fake
        self.stock = stock
        self.silentStock = silentStock
        self.trade = Mutex((trade, TestClient(port: trade.port, timeout: .seconds(30))))
        self.tokens = tokens
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "trade-tests")
        logger.logLevel = ProcessInfo.processInfo.environment["TRADE_TEST_DEBUG"] == nil ? .critical : .info
        return logger
    }

    /// Runs `body` against a fresh stack and always shuts it down (also when `body` throws).
    static func with<T>(_ options: Options = Options(), _ body: (TradeHarness) async throws -> T) async throws -> T {
        let harness = try await start(options)
        do {
            let result = try await body(harness)
            await harness.shutdown()
            return result
        } catch {
            await harness.shutdown()
            throw error
        }
    }

    static func start(_ options: Options) async throws -> TradeHarness {
        let folder = try TemporaryFolder("trade-tests")
        var fake: FakeProvider?
        var stock: ServiceHost?
        var silentStock: SuiteEchoUpstream?
        let stockURL: String
        switch options.market {
        case .fake, .simulated:
            var environment = ["HOST": "127.0.0.1", "PORT": "0", "DATABASE_PATH": folder.path + "/stock.sqlite"]
            if options.market == .fake {
                let provider = try FakeProvider()
                fake = provider
                environment["API_KEY"] = "test-key"
                environment["STOCK_API_URL"] = provider.baseURL
                environment["QUOTE_TTL_SECONDS"] = "0"
                environment["PROVIDER_CALLS_PER_MINUTE"] = "0"  // every quote is a call: no budget
                environment["PROVIDER_CALLS_PER_DAY"] = "0"
                // Generous timeouts: when the whole test bundle starts at once on two cores, a quote
                // has been seen to take 5 s; no trade test relies on a timeout firing.
                environment["PROVIDER_TIMEOUT_MS"] = "10000"
            }
            let host = try await StockService.start(environment: Environment(environment), logger: quietLogger)
            stock = host
            stockURL = "http://127.0.0.1:\(host.port)"
        case .closedPort:
            stockURL = "http://127.0.0.1:\(try FakeProvider.closedPort())"
        case .silent:
            let upstream = try SuiteEchoUpstream(.silent)
            silentStock = upstream
            stockURL = upstream.url
        }
        var environment = ["HOST": "127.0.0.1", "PORT": "0", "DATABASE_PATH": folder.path + "/trade.sqlite",
                           "JWT_SECRET": secret, "STOCK_URL": stockURL, "INITIAL_CASH": options.initialCash,
                           "UPSTREAM_TIMEOUT_MS": String(options.upstreamTimeoutMs)]
        if let ttl = options.idempotencyTTLSeconds { environment["IDEMPOTENCY_TTL_SECONDS"] = String(ttl) }
        environment.merge(options.environment) { _, new in new }
        let trade = try await TradeService.start(environment: Environment(environment), logger: quietLogger)
        return TradeHarness(options: options, folder: folder, fake: fake, stock: stock, silentStock: silentStock, trade: trade,
                            tokens: await TokenService(secret: secret))
    }

    /// The trade service's SQLite file.
    var databasePath: String { folder.path + "/trade.sqlite" }

    /// A client for the trade service (the current one, after a restart).
    var client: TestClient { trade.withLock { $0.client } }

    /// The ledger checker for this stack's `INITIAL_CASH`.
    var checker: TradeLedgerChecker { TradeLedgerChecker(client: client, initialCash: options.initialCash) }

    /// A valid access token for user `id`.
    func token(_ id: Int64) async throws -> String {
        try await tokens.issue(userID: id, username: "user\(id)", ttlSeconds: 600)
    }

    /// Sets the fake provider's price for `symbol` (the next order sees it: the quote TTL is 0).
    func setPrice(_ symbol: String, _ price: String) {
        fake?.setQuote(symbol: symbol, price: price, day: Self.day)
    }

    /// `POST /trade/{side}` with `{"symbol","quantity"}` and optionally an `Idempotency-Key`.
    func order(_ side: String, _ symbol: String, _ quantity: Int, token: String, key: String? = nil) async throws
        -> TestClient.Reply {
        try await order(side, json: #"{"symbol":"\#(symbol)","quantity":\#(quantity)}"#, token: token, key: key)
    }

    /// `POST /trade/{side}` with a raw JSON body.
    func order(_ side: String, json: String, token: String, key: String? = nil) async throws -> TestClient.Reply {
        var headers = HTTPHeaders()
        if let key { headers.add("Idempotency-Key", key) }
        return try await client.post("/trade/\(side)", json: json, token: token, headers: headers)
    }

    /// Stops the trade service and starts a new one on the same `DATABASE_PATH` (new port).
    func restartTrade() async throws {
        let old = trade.withLock { $0.host }
        await old.shutdown()
        var environment = ["HOST": "127.0.0.1", "PORT": "0", "DATABASE_PATH": folder.path + "/trade.sqlite",
                           "JWT_SECRET": Self.secret, "INITIAL_CASH": options.initialCash, "UPSTREAM_TIMEOUT_MS": String(options.upstreamTimeoutMs)]
        environment["STOCK_URL"] = stock.map { "http://127.0.0.1:\($0.port)" } ?? "http://127.0.0.1:1"
        if let ttl = options.idempotencyTTLSeconds { environment["IDEMPOTENCY_TTL_SECONDS"] = String(ttl) }
        environment.merge(options.environment) { _, new in new }
        let host = try await TradeService.start(environment: Environment(environment), logger: Self.quietLogger)
        trade.withLock { $0 = (host, TestClient(port: host.port, timeout: .seconds(30))) }
    }

    /// Shuts the trade service down, leaving the rest to ``shutdown()``.
    func shutdownTrade() async {
        await trade.withLock { $0.host }.shutdown()
    }

    func shutdown() async {
        await trade.withLock { $0.host }.shutdown()
        await stock?.shutdown()
        silentStock?.stop()
        fake?.stop()
        folder.remove()
    }
}

extension TestClient.Reply {
    /// The problem `type` of an error body.
    var problemType: String? { string("type") }

    /// Whether this is an RFC 9457 problem with this status (in the header and the body) and type.
    func isTradeProblem(_ status: Int, _ type: String? = nil) -> Bool {
        self.status == status && int("status") == status
            && headers["Content-Type"]?.hasPrefix("application/problem+json") == true
            && (type == nil || problemType == type)
    }

    /// Whether the body is byte for byte `other`'s (a Bool, so a failure prints the texts, not byte arrays).
    func sameBytes(as other: TestClient.Reply?) -> Bool { body == other?.body }

    /// The body as an executed order.
    var transaction: TradeTransaction? { TradeTransaction(body: body) }
}
