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
    /// `STOCK_SYMBOLS`: what `GET /stocks` lists in live mode.
    public var trackedSymbols: [String]
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
        databasePath = try environment.databasePath(service: "stock")
    }
}
