extension FakeProvider {
    /// How the fake answers every request.
    public enum Mode: Sendable, Equatable {
        /// Alpha Vantage's success formats for known symbols; for unknown ones `{"Global Quote": {}}`
        /// (GLOBAL_QUOTE) or the `Error Message` reply (TIME_SERIES_DAILY, other functions, no apikey).
        case normal
        /// The older throttle reply: `{"Note": "..."}`.
        case note
        /// Today's rate-limit reply: `{"Information": "..."}`.
        case information
        /// `{"Error Message": "Invalid API call. ..."}` for everything.
        case errorMessage
        /// Every symbol unknown: `{"Global Quote": {}}` for GLOBAL_QUOTE, `Error Message` otherwise.
        case emptyQuote
        /// HTTP 500 with a short text body.
        case http500
        /// HTTP 200 with a body that is not JSON.
        case garbage
        /// Reads the request and never answers (until the client gives up or `stop()`).
        case hang
        /// Answers as `normal`, after this pause.
        case delay(milliseconds: Int)
        /// HTTP 200 with a body of `bytes` bytes of JSON-ish filler; with `declaresLength` false the body
        /// has no `Content-Length` and ends when the connection closes.
        case oversized(bytes: Int, declaresLength: Bool)
    }
}
