/// The `method` label of the request metrics, and the method as the access log shows it.
///
/// A method is any token (RFC 9110 §9.1), so a client can send a new one with every request; as a
/// label each would be a series the registry keeps for ever, and `/metrics` would grow without bound
/// (issue 22, item 1). As OpenTelemetry's HTTP semantic conventions do, methods outside the known
/// set are recorded as `_OTHER`: the RFC 9110 §9.3 methods and PATCH (RFC 5789), compared exactly,
/// since methods are case-sensitive (RFC 9110 §9.1). The set covers every method the routers register.
public enum MetricsMethod {
    /// The label for `method`: itself when known, else `_OTHER`.
    public static func label(_ method: String) -> String {
        switch method {
        case "GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE", "-": method
        default: other
        }
    }

    /// The label of every method outside the known set.
    public static let other = "_OTHER"

    /// Longest method the access log shows whole, in bytes: a longer one (up to the 8 KiB request
    /// line) is cut there and marked, so that one request cannot write kilobytes of log.
    public static let logBytesMax = 32

    /// `method` for the access log: whole, or its first ``logBytesMax`` bytes and `...`. Methods are
    /// tokens (ASCII), so the cut never splits a character.
    public static func logged(_ method: String) -> String {
        method.utf8.count <= logBytesMax ? method : String(decoding: method.utf8.prefix(logBytesMax), as: UTF8.self) + "..."
    }
}
