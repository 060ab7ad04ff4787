import CCurl

/// One libcurl easy handle, owned and used by exactly one worker thread for its whole life.
///
/// Reusing the handle keeps its connection cache (keep-alive) and TLS session cache warm across
/// requests. Options that never change are set once in `init`; `perform` sets the per-request ones each
/// time, and since that set is the same for every request nothing needs `curl_easy_reset`.
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    /// Kept so the share outlives this handle: curl_easy_cleanup must come before curl_share_cleanup.
    private let share: CurlShare
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let sink: CurlBodySink

    /// Nil when libcurl is not initialized or cannot allocate a handle.
    init?(share: CurlShare, userAgent: String, bodyBytesMax: Int) {
        guard CurlGlobal.isReady, let handle = ccurl_easy_init() else { return nil }
        self.handle = handle
        self.share = share
        self.sink = CurlBodySink(bytesMax: bodyBytesMax)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))

        // Signals cannot be used for DNS timeouts in a multi-threaded process (libcurl docs, NOSIGNAL).
        _ = ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // Only plain and TLS HTTP; a URL from configuration cannot reach file:// or other schemes.
        _ = ccurl_setopt_ptr(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        // A redirect would be a provider change we want to see, not silently follow.
        _ = ccurl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = ccurl_setopt_ptr(handle, CURLOPT_USERAGENT, userAgent)
        // Refuses up front a body whose Content-Length exceeds the cap; the write callback enforces the
        // cap for bodies of unknown length.
        _ = ccurl_setopt_long(handle, CURLOPT_MAXFILESIZE, bodyBytesMax)
        _ = ccurl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, UnsafeRawPointer(errorBuffer))
        _ = ccurl_setopt_write(handle, curlWriteBody)
        _ = ccurl_setopt_ptr(handle, CURLOPT_WRITEDATA, UnsafeRawPointer(Unmanaged.passUnretained(sink).toOpaque()))
        if let shared = share.handle { _ = ccurl_setopt_ptr(handle, CURLOPT_SHARE, UnsafeRawPointer(shared)) }
        _ = ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
    }

    deinit {
        ccurl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Performs one blocking GET. `timeoutMs` must be positive (0 would mean "no timeout" to libcurl).
    func get(_ url: String, timeoutMs: Int) -> Result<CurlResponse, CurlError> {
        sink.reset()
        errorBuffer[0] = 0
        let urlCode = url.withCString { ccurl_setopt_ptr(handle, CURLOPT_URL, $0) }  // libcurl copies it
        guard urlCode == CURLE_OK else { return .failure(Self.error(urlCode, detail: "")) }
        _ = ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs)
        _ = ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs)

        let code = ccurl_easy_perform(handle)
        if sink.overflowed || code == CURLE_FILESIZE_EXCEEDED {
            return .failure(.other(
                code: CurlError.bodyTooLargeCode,
                message: "response body exceeds \(sink.bytesMax) bytes"))
        }
        guard code == CURLE_OK else { return .failure(Self.error(code, detail: String(cString: errorBuffer))) }
        var status = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(CurlResponse(status: status, body: sink.takeBytes()))
    }

    /// Maps a CURLcode to the three kinds callers act on differently.
    static func error(_ code: CURLcode, detail: String) -> CurlError {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .connectFailed
        default:
            // The error buffer names host and port at most, never the URL's query.
            let message = detail.isEmpty ? String(cString: ccurl_easy_strerror(code)) : detail
            return .other(code: Int32(bitPattern: code.rawValue), message: message)
        }
    }
}

/// Collects the body for the transfer in progress, up to a cap. Used only by its worker thread.
final class CurlBodySink {
    let bytesMax: Int
    private(set) var overflowed = false
    private var bytes: [UInt8] = []

    init(bytesMax: Int) { self.bytesMax = bytesMax }

    func reset() {
        overflowed = false
        bytes = []
    }

    /// Returns false (abort the transfer) when the chunk would take the body past the cap.
    func append(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count + chunk.count <= bytesMax else {
            overflowed = true
            return false
        }
        bytes.append(contentsOf: chunk)
        return true
    }

    func takeBytes() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}

/// CURLOPT_WRITEFUNCTION: returning anything but the chunk size makes libcurl abort with
/// CURLE_WRITE_ERROR, which is how the body cap stops a transfer of unknown length.
private func curlWriteBody(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userData: UnsafeMutableRawPointer?
) -> Int {
    guard let userData else { return 0 }
    let sink = Unmanaged<CurlBodySink>.fromOpaque(userData).takeUnretainedValue()
    let length = size * count
    guard length > 0, let data else { return length }
    return sink.append(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}
