/// Why a request could not be read. Every case ends the connection: after a framing error the
/// server can no longer tell where the next request would start (RFC 9112 §6.3, §11.2).
public enum HTTPParseError: Error, Equatable, Sendable {
    /// Malformed syntax or ambiguous framing (400).
    case badRequest(String)
    /// Request line longer than the limit (414).
    case uriTooLong
    /// Field section too large or too many fields (431).
    case headersTooLarge
    /// Declared or decoded body larger than the limit (413).
    case bodyTooLarge
    /// A major version other than 1 (505).
    case versionNotSupported

    /// The status code that reports this error.
    public var status: Int {
        switch self {
        case .badRequest: 400
        case .uriTooLong: 414
        case .headersTooLarge: 431
        case .bodyTooLarge: 413
        case .versionNotSupported: 505
        }
    }

    /// The problem document for the response.
    public var problem: ProblemDetails {
        switch self {
        case .badRequest(let why):
            HTTPProblems.invalidRequest.details(why)
        case .uriTooLong:
            HTTPProblems.uriTooLong.details("The request line exceeds the server's limit.")
        case .headersTooLarge:
            HTTPProblems.headerFieldsTooLarge.details("The header section exceeds the server's size or field-count limit.")
        case .bodyTooLarge:
            HTTPProblems.payloadTooLarge.details("The request body exceeds the server's limit.")
        case .versionNotSupported:
            HTTPProblems.httpVersionNotSupported.details("Only HTTP/1.0 and HTTP/1.1 are served.")
        }
    }
}
