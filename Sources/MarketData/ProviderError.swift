/// Why the provider gave no usable answer; each case calls for a different reaction by the service.
public enum ProviderError: Error, Sendable, Equatable {
    /// The provider does not know the symbol: an `Error Message` reply (Alpha Vantage also uses it for a
    /// bad key or function) or an empty `"Global Quote": {}`. Serve 404.
    case unknownSymbol
    /// A `Note` or `Information` reply: the per-minute or per-day limit (or a premium-only endpoint).
    /// Carries the provider's message. Serve from cache or 503.
    case rateLimited(String)
    /// The provider is down, slow, refused the connection, or answered non-200, non-JSON or an unexpected
    /// shape. Carries a short reason for logs (never the API key). Serve from cache or 503.
    case unavailable(String)
}
