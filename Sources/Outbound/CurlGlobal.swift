import CCurl

/// The process-wide `curl_global_init`, run once.
enum CurlGlobal {
    /// A `static let` initializer runs exactly once, thread-safely (swift_once), before any handle is
    /// made; libcurl requires global init before the first easy handle and forbids concurrent inits.
    static let isReady: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}
