/// Why a `CurlClient.get` produced no response.
public enum CurlError: Error, Sendable, Equatable {
    /// The transfer (connect included) exceeded its `timeoutMs`, counted from when `get` was called.
    case timedOut
    /// The host name did not resolve or the connection was refused or unreachable.
    case connectFailed
    /// Any other failure. `code` is the libcurl `CURLcode`, or one of `CurlError`'s own codes below.
    case other(code: Int32, message: String)

    /// `code` of `.other` when the pending-job queue is full; the request was never attempted.
    public static let queueFullCode: Int32 = -1
    /// `code` of `.other` when the client shut down before the job ran.
    public static let shutDownCode: Int32 = -2
    /// `code` of `.other` when libcurl could not be loaded or initialized.
    public static let libraryUnavailableCode: Int32 = -3
    /// `code` of `.other` when the response body exceeded the client's cap (this is libcurl's
    /// `CURLE_FILESIZE_EXCEEDED`, also used when the cap is hit on a body without `Content-Length`).
    public static let bodyTooLargeCode: Int32 = 63
}
