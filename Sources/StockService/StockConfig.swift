import ServiceKit

/// The stock service's settings (API.md "Configuration").
public struct StockConfig: Sendable {
    public var common: CommonConfig
    public var databasePath: String
    /// `API_KEY`; `nil` runs the built-in simulated market.
    public var apiKey: String?
    public var providerURL: String
    public var providerTimeoutMs: Int
    public var quoteTTLSeconds: Int
    /// `PROVIDER_CALLS_PER_MINUTE`: provider calls allowed in any 60 s; 0 means no limit. The default
    /// is a free Alpha Vantage key's (5 a minute); past it stored quotes are served as `cache`.
    public var providerCallsPerMinute: Int
    /// `PROVIDER_CALLS_PER_DAY`: provider calls allowed in any 24 h; 0 means no limit (free key: 25).
    public var providerCallsPerDay: Int
    /// `UNKNOWN_SYMBOLS_MAX`: entries in each negative cache (quotes, histories) of symbols the
    /// provider does not know, each kept for the quote TTL; the oldest is evicted first. A symbol is
    /// at most 10 bytes, so the default 10,000 entries hold well under 1 MiB per cache.
    public var unknownSymbolsMax: Int
    /// How long a statement waits for another connection's lock on the cache file before SQLITE_BUSY
    /// (a failed cache write is logged and the quote still served).
    public static let sqliteBusyTimeout: Duration = .seconds(5)
    /// `STOCK_SYMBOLS`: what `GET /stocks` lists in live mode.
    public var trackedSymbols: [String]
    /// `STREAM_REFRESH_MS`: how often `/stocks/stream` asks for the watched symbols' quotes; unset,
    /// 1 s for the simulated market and the quote TTL in live mode (one provider call per symbol
    /// per TTL, whatever the number of subscribers).
    public var streamRefreshMs: Int?
    /// `CURL_LIBRARY`: the libcurl to load in live mode; `nil` for the system's `libcurl.so.4`.
    public var curlLibrary: String?

    /// Reads and validates the variables.
    public init(environment: Environment) throws {
        common = try CommonConfig(environment: environment, defaultPort: 5002)
        apiKey = environment.raw("API_KEY")
        providerURL = environment.string("STOCK_API_URL", default: "https://www.alphavantage.co/query")
        guard providerURL.hasPrefix("https://") || providerURL.hasPrefix("http://") else {
            throw ConfigError("STOCK_API_URL", "must be an http:// or https:// URL, got \"\(providerURL)\"")
        }
        providerTimeoutMs = try environment.int("PROVIDER_TIMEOUT_MS", default: 3000, in: 50...60_000)
        quoteTTLSeconds = try environment.int("QUOTE_TTL_SECONDS", default: 60, in: 0...86_400)
        // The budget keeps one timestamp per allowed call in each window (ProviderBudget), so the
        // ranges bound its memory too: at most 8 B × (10,000 + 100,000).
        providerCallsPerMinute = try environment.int("PROVIDER_CALLS_PER_MINUTE", default: 5, in: 0...10_000)
        providerCallsPerDay = try environment.int("PROVIDER_CALLS_PER_DAY", default: 25, in: 0...100_000)
        unknownSymbolsMax = try environment.int("UNKNOWN_SYMBOLS_MAX", default: 10_000, in: 1...1_000_000)
        let symbols = environment.string("STOCK_SYMBOLS", default: "AAPL,MSFT,GOOGL,AMZN,NVDA,META,TSLA,JPM,V,KO")
        // Empty entries (a trailing comma) are skipped and repeats listed once.
        var tracked: [String] = []
        for part in symbols.split(separator: ",") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let symbol = StockSymbol.normalize(String(part.trimmingCharacters(in: .whitespaces))) else {
                throw ConfigError("STOCK_SYMBOLS", "has an invalid symbol \"\(part)\"")
            }
            if !tracked.contains(symbol) { tracked.append(symbol) }
        }
        trackedSymbols = tracked
        curlLibrary = environment.raw("CURL_LIBRARY")
        streamRefreshMs = environment.raw("STREAM_REFRESH_MS") == nil ? nil
            : try environment.int("STREAM_REFRESH_MS", default: 1_000, in: 10...86_400_000)
        databasePath = try environment.databasePath(service: "stock")
    }
}
