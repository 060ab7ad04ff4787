import CCurl

/// Loading libcurl and running its `curl_global_init`, once per process, on first use.
///
/// libcurl is opened with dlopen rather than linked (see CCurl's header): a process that never makes a
/// `CurlClient` never maps it.
enum CurlGlobal {
    /// Loads libcurl from `path` (nil: the platform's usual name) unless it is already loaded, from
    /// whatever path; nil on success, otherwise the reason. A failure changes nothing.
    static func load(path: String?) -> String? {
        let capacity = 512
        var error = [CChar](repeating: 0, count: capacity)
        guard ccurl_load(path, &error, capacity) != 0 else { return nil }
        return String(decoding: error.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether handles can be made, loading libcurl if nothing has yet. Takes a mutex: call it when
    /// making a handle, not per request.
    static var isReady: Bool { load(path: nil) == nil }
}
