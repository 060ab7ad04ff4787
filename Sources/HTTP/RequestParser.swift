/// An incremental request parser: feed it the bytes received so far and it answers
/// "need more", "head complete", "request complete" or "failure", with the number of bytes it
/// consumed. Pure: no sockets, no clock, so every split of every message is testable.
///
/// Head bytes are not consumed until the whole head is there (the caller keeps them and the
/// parser resumes its search where it stopped); body bytes are consumed as they arrive.
public struct RequestParser {
    /// What the bytes fed so far amount to.
    public enum Event {
        /// Everything usable was consumed; feed more bytes.
        case needMore
        /// The head is in and a body follows; `expectsContinue` asks for a `100 Continue`.
        case headComplete(expectsContinue: Bool)
        /// A whole request.
        case request(HTTPRequest)
        /// The message is malformed or over a limit; the connection must close after answering.
        case failure(HTTPParseError)
    }

    private enum State {
        case head(resumeAt: Int)
        case body(RequestHead, remaining: Int, body: [UInt8])
        case chunkedBody(RequestHead, ChunkedDecoder, body: [UInt8])
    }

    private var state = State.head(resumeAt: 0)
    private let limits: HTTPLimits

    /// A parser enforcing `limits`.
    public init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// Whether the parser holds part of a request (a head is in and the body is not complete).
    public var isReadingBody: Bool {
        if case .head = state { return false }
        return true
    }

    /// The method of the request whose body is being read, or whose body just failed; `nil` while
    /// a head is read.
    public private(set) var method: String?

    /// The `Content-Length` of the request whose body is being read (`nil` while a head is read,
    /// for a chunked body, and for no body).
    public private(set) var declaredBodyBytes: Int?

    /// Parses as far as `bytes` allow. `peer` is stamped on the request it completes.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer, peer: String) -> (event: Event, consumed: Int) {
        switch state {
        case .head(let resumeAt):
            if resumeAt == 0 {
                method = nil  // a new head: the previous request's method is no longer ours
                declaredBodyBytes = nil
                // RFC 9112 §2.2: ignore empty lines before the request line.
                var skipped = 0
                while skipped + 1 < bytes.count, bytes[skipped] == 0x0D, bytes[skipped + 1] == 0x0A { skipped += 2 }
                if skipped > 0 {
                    // Parse what follows now: `needMore` promises everything usable was consumed,
                    // and a caller waits for new bytes before calling again (a request that came
                    // in the same read as the CRLF would otherwise sit until the header timeout).
                    let rest = parse(UnsafeRawBufferPointer(rebasing: bytes[skipped...]), peer: peer)
                    return (rest.event, skipped + rest.consumed)
                }
                // A lone CR may be the first half of an empty line split across reads: wait for
                // its LF without recording a resume point, or the CRLF would later be scanned as
                // the end of the request line (a 400 that depends on where TCP cut the stream).
                if bytes.count == 1 && bytes[0] == 0x0D { return (.needMore, 0) }
            }
            switch RequestHeadParser.scan(bytes, from: resumeAt, limits: limits) {
            case .failure(let error):
                return (.failure(error), 0)
            case .incomplete(let next):
                state = .head(resumeAt: next)
                return (.needMore, 0)
            case .complete(let end):
                state = .head(resumeAt: 0)
                switch RequestHeadParser.parse(UnsafeRawBufferPointer(rebasing: bytes[0..<end]), limits: limits) {
                case .failure(let error):
                    return (.failure(error), end)
                case .success(let head):
                    switch head.framing {
                    case .none:
                        return (.request(makeRequest(head, body: [], peer: peer)), end)
                    case .length(let length):
                        state = .body(head, remaining: length, body: [])
                        declaredBodyBytes = length
                    case .chunked:
                        state = .chunkedBody(head, ChunkedDecoder(), body: [])
                    }
                    method = head.method
                    return (.headComplete(expectsContinue: head.expectsContinue), end)
                }
            }
        case .body(let head, let remaining, var body):
            state = .head(resumeAt: 0)  // drop our copy of the body so appending does not copy it
            let take = min(remaining, bytes.count)
            // Reserve what has arrived, up to 64 KiB, never the declared length: a client that
            // announces MAX_BODY_BYTES and sends nothing must not cost that much per connection.
            if body.isEmpty && take > 0 { body.reserveCapacity(min(remaining, max(take, 64 * 1024))) }
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
            if take == remaining {
                state = .head(resumeAt: 0)
                return (.request(makeRequest(head, body: body, peer: peer)), take)
            }
            state = .body(head, remaining: remaining - take, body: body)
            return (.needMore, take)
        case .chunkedBody(let head, var decoder, var body):
            state = .head(resumeAt: 0)  // drop our copy of the body while decoding appends to it
            let (consumed, outcome) = decoder.decode(bytes, into: &body, limits: limits)
            switch outcome {
            case .needMore:
                state = .chunkedBody(head, decoder, body: body)
                return (.needMore, consumed)
            case .done:
                return (.request(makeRequest(head, body: body, peer: peer)), consumed)
            case .failure(let error):
                return (.failure(error), consumed)
            }
        }
    }

    private func makeRequest(_ head: RequestHead, body: [UInt8], peer: String) -> HTTPRequest {
        HTTPRequest(method: head.method, target: head.target, versionMinor: head.versionMinor, headers: head.headers,
                    body: body, peer: peer, keepAlive: head.keepAlive, authority: head.authority)
    }
}
