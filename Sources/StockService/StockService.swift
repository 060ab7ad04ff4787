import Foundation
import HTTP
import Logging
import MarketData
import Money
import Outbound
import Routing
import ServiceKit

/// The stock service (port 5002): quotes and history from the provider through the SQLite cache,
/// or from the simulated market when no `API_KEY` is set (API.md "Stock").
public enum StockService {
    /// Validates configuration, opens the cache and starts serving.
    /// - Parameter now: the clock (tests move it to expire the TTL).
    public static func start(environment: Environment, logger: Logger, limits: HTTPLimits = HTTPLimits(),
                             now: @escaping @Sendable () -> Date = Date.init) async throws -> ServiceHost {
        let config = try StockConfig(environment: environment)
        let store = try ConfigError.naming("DATABASE_PATH") {
            try QuoteStore(path: config.databasePath, busyTimeout: StockConfig.sqliteBusyTimeout)
        }
        let simulated = SimulatedMarket()
        let source: any MarketSource
        if let apiKey = config.apiKey {
            // Live mode is the first use of libcurl, which is loaded only now: without it every quote
            // would fail, so the start does.
            do {
                try CurlClient.loadLibrary(path: config.curlLibrary)
            } catch {
                let reason = if case .other(_, let message) = error { message } else { "\(error)" }
                if config.curlLibrary == nil {
                    throw ConfigError("API_KEY", "is set, but libcurl (needed to reach the provider) is unusable: \(reason)")
                }
                throw ConfigError("CURL_LIBRARY", "does not name a usable libcurl: \(reason)")
            }
            let client = AlphaVantageClient(baseURL: config.providerURL, apiKey: apiKey,
                                            timeoutMs: config.providerTimeoutMs, curl: CurlClient())
            let names = Dictionary(simulated.symbols.map { ($0.symbol, $0.name) }, uniquingKeysWith: { first, _ in first })
            source = try LiveSource(client: client, store: store, config: config, names: names, logger: logger, now: now)
            logger.info("live market data", metadata: [
                "provider": "\(config.providerURL)",
                "calls_per_minute": "\(config.providerCallsPerMinute)", "calls_per_day": "\(config.providerCallsPerDay)",
            ])
        } else {
            source = SimulatedSource(market: simulated, now: now)
            logger.info("API_KEY is not set: serving the built-in simulated market")
        }
        // Live: the cache TTL, so each watched symbol costs at most one provider call per TTL.
        let refreshMs = config.streamRefreshMs ?? (config.apiKey == nil ? 1_000 : max(1, config.quoteTTLSeconds) * 1_000)
        let handlers = StockHandlers(source: source, feed: QuoteFeed(source: source, refreshInterval: .milliseconds(refreshMs)))
        return try ServiceHost(config: config.common, logger: logger, limits: limits, routes: routes, endpoints: handlers,
                               onShutdown: { try? await store.closeFromTask() })
    }

    /// The stock routes (API.md "Stock").
    static let routes: [Route<StockHandlers>] = [
        Route("GET", "/stocks", handler: { $0.list }),
        // Before `/stocks/{symbol}`: the literal wins (a symbol is matched upper-cased, so
        // `/stocks/STREAM` would still be a quote).
        Route("GET", "/stocks/stream", handler: { $0.stream }),
        Route("GET", "/stocks/{symbol}", handler: { $0.quote }),
        Route("GET", "/stocks/{symbol}/history", handler: { $0.history }),
    ]
}

/// The stock routes' handlers.
struct StockHandlers: Sendable {
    let source: any MarketSource
    let feed: QuoteFeed

    /// Symbols one `/stocks/stream` may watch (else 400): each is a refresh per interval and
    /// a place in the feed's tables, and the simulated market lists 14.
    static let streamSymbolsMax = 20

    struct ListItem: Encodable {
        let symbol: String
        let name: String
        let price: Price
        let currency: String
        let as_of: String
    }

    struct ListBody: Encodable {
        let stocks: [ListItem]
    }

    struct HistoryItem: Encodable {
        let date: String
        let close: Price
    }

    struct HistoryBody: Encodable {
        let symbol: String
        let prices: [HistoryItem]
    }

    func list(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let items = await source.listing().map {
            ListItem(symbol: $0.symbol, name: $0.name, price: $0.price, currency: "USD",
                     as_of: Timestamp.rfc3339($0.asOf))
        }
        return try JSONCoding.response(ListBody(stocks: items))
    }

    func quote(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let symbol = try Self.symbol(context)
        let quote = try await source.quote(symbol)
        return HTTPResponse(status: 200, contentType: JSONCoding.contentType, body: Array(Self.quoteJSON(quote).utf8))
    }

    /// A quote as JSON. The hottest route of the suite (every order asks it): written by hand, not
    /// by JSONEncoder. Every value is plain ASCII that needs no escaping (a validated symbol,
    /// digits, a timestamp, an enum), in the same sorted-key shape the encoder would give.
    static func quoteJSON(_ quote: Quote) -> String {
        "{\"as_of\":\"\(Timestamp.rfc3339(quote.asOf))\",\"currency\":\"USD\",\"price\":\"\(quote.price)\","
            + "\"source\":\"\(quote.source.rawValue)\",\"symbol\":\"\(quote.symbol)\"}"
    }

    /// `GET /stocks/stream?symbols=A,B`: Server-Sent Events, `quote` for each symbol now and
    /// whenever its price changes (``QuoteFeed``). Every symbol is checked first (400, 404), so a
    /// stream that starts watches only real symbols.
    func stream(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let symbols = try Self.streamSymbols(request.queryParameter("symbols"))
        var quotes: [Quote] = []
        for symbol in symbols { quotes.append(try await source.quote(symbol)) }
        let stream = ResponseStream(heartbeat: ResponseStream.sseHeartbeat)
        let feed = feed
        let id = await feed.subscribe(quotes, stream: stream)
        stream.onClose { Task { await feed.unsubscribe(id) } }
        return .eventStream(stream)
    }

    /// The `symbols` list: 1 to ``streamSymbolsMax`` valid symbols, comma-separated, upper-cased,
    /// repeats kept once.
    static func streamSymbols(_ raw: Substring?) throws -> [String] {
        let usage = "symbols must be 1 to \(streamSymbolsMax) comma-separated symbols (1 to 10 characters of A-Z, 0-9, '.' and '-')."
        // Bounded before decoding: at most 20 symbols of 10 characters, with their commas (any
        // percent-encoded at 3 bytes each).
        guard let raw, raw.utf8.count <= 3 * (streamSymbolsMax * 11), let decoded = PercentDecoding.decode(raw)
        else { throw HTTPError.invalidRequest(usage) }
        var symbols: [String] = []
        for part in decoded.split(separator: ",", omittingEmptySubsequences: false) {
            guard let symbol = StockSymbol.normalize(String(part)) else { throw HTTPError.invalidRequest(usage) }
            if !symbols.contains(symbol) { symbols.append(symbol) }
        }
        guard (1...streamSymbolsMax).contains(symbols.count) else { throw HTTPError.invalidRequest(usage) }
        return symbols
    }

    func history(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let symbol = try Self.symbol(context)
        var days = 30
        if let raw = request.queryParameter("days") {
            // Plain digits only: "+5", "5.0", " 5" and "" are 400 (API.md).
            guard !raw.isEmpty, raw.utf8.count <= 9, raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(raw), (1...100).contains(value)
            else { throw HTTPError.invalidRequest("days must be a whole number from 1 to 100.") }
            days = value
        }
        let closes = try await source.history(symbol, days: days)
        return try JSONCoding.response(HistoryBody(symbol: symbol, prices: closes.map {
            HistoryItem(date: $0.date, close: $0.close)
        }))
    }

    private static func symbol(_ context: RequestContext) throws -> String {
        guard let symbol = StockSymbol.normalize(context.parameter("symbol")) else {
            throw HTTPError.invalidRequest("A symbol is 1 to 10 characters of A-Z, 0-9, '.' and '-'.")
        }
        return symbol
    }
}
