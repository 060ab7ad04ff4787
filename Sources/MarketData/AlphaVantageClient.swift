import Foundation
import Outbound

/// Fetches quotes and daily closes from Alpha Vantage (or anything speaking its format) over `CurlClient`.
///
/// Stateless apart from configuration: caching, sharing concurrent calls and fallbacks belong to the
/// stock service. The API key goes only into the request URL; no error, description or log line made
/// here contains it.
public final class AlphaVantageClient: Sendable {
    private let baseURL: String
    private let apiKey: String
    private let timeoutMs: Int
    private let curl: CurlClient

    /// - Parameters:
    ///   - baseURL: e.g. `https://www.alphavantage.co/query`; may already carry a query string.
    ///   - apiKey: sent as `apikey`, percent-encoded.
    ///   - timeoutMs: bound on each call, connect included.
    ///   - curl: the shared HTTP client.
    public init(baseURL: String, apiKey: String, timeoutMs: Int, curl: CurlClient) {
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeoutMs = timeoutMs
        self.curl = curl
    }

    /// The latest quote (`GLOBAL_QUOTE`).
    /// - Throws: see `AlphaVantage.parseQuote`; transport failures are `.unavailable`.
    public func quote(symbol: String) async throws(ProviderError) -> ProviderQuote {
        let (status, body) = try await fetch(function: "GLOBAL_QUOTE", symbol: symbol, extra: [])
        return try AlphaVantage.parseQuote(status: status, body: body)
    }

    /// The last 100 daily closes (`TIME_SERIES_DAILY`, `outputsize=compact`), oldest first.
    /// - Throws: see `AlphaVantage.parseDailyCloses`; transport failures are `.unavailable`.
    public func dailyCloses(symbol: String) async throws(ProviderError) -> [DailyClose] {
        let (status, body) = try await fetch(
            function: "TIME_SERIES_DAILY", symbol: symbol, extra: [("outputsize", "compact")])
        return try AlphaVantage.parseDailyCloses(status: status, body: body)
    }

    private func fetch(
        function: String, symbol: String, extra: [(String, String)]
    ) async throws(ProviderError) -> (Int, [UInt8]) {
        let query = [("function", function), ("symbol", symbol)] + extra + [("apikey", apiKey)]
        let url = AlphaVantageURL.make(baseURL: baseURL, query: query)
        do {
            let response = try await curl.get(url, timeoutMs: timeoutMs)
            return (response.status, response.body)
        } catch {
            throw .unavailable(describe(error))
        }
    }

    /// A log-safe reason. libcurl's messages name host and port, not the query, but the key is scrubbed
    /// anyway in case a future message quotes the URL.
    private func describe(_ error: CurlError) -> String {
        switch error {
        case .timedOut:
            return "provider timed out after \(timeoutMs) ms"
        case .connectFailed:
            return "provider unreachable"
        case .other(let code, let message):
            var safe = message
            for secret in [apiKey, AlphaVantageURL.percentEncode(apiKey)] where !secret.isEmpty {
                safe = safe.replacingOccurrences(of: secret, with: "<redacted>")
            }
            return "provider request failed (\(code)): \(safe)"
        }
    }
}
