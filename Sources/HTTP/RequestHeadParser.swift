/// Pure parsing of a request head (request line and field section), strict where RFC 9112
/// leaves room for two parsers to disagree: every such case is a 400, never a guess.
enum RequestHeadParser {
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let colon = UInt8(ascii: ":")

    /// A parsed head, or why there is none. Not the standard library's `Result`: that one was
    /// destroyed through its generic value witnesses on every request (seen in profiles).
    enum Outcome {
        case success(RequestHead)
        case failure(HTTPParseError)
    }

    /// Where the search for the head's end stands.
    enum Scan: Equatable {
        /// The head ends just before index `end` (which is past the empty line's LF).
        case complete(end: Int)
        /// Not there yet; resume the search at `resumeAt` when more bytes arrive.
        case incomplete(resumeAt: Int)
        /// A bare LF or a size limit was hit.
        case failure(HTTPParseError)
    }

    /// Looks for the CRLF CRLF that ends a head, starting at `from` (bytes before it were already
    /// searched: the search is linear over a slowly arriving head, not quadratic). Rejects a bare
    /// LF at once (RFC 9112 §2.2 lets a server refuse it, and accepting it is a smuggling vector)
    /// and enforces the request-line and field-section limits before the head is complete.
    static func scan(_ bytes: UnsafeRawBufferPointer, from: Int, limits: HTTPLimits) -> Scan {
        var index = from
        let count = bytes.count
        var firstLineEnd: Int? = nil
        // The first line's end is needed for the 414 check; find it again if the scan already passed it.
        if from > 0 { firstLineEnd = firstLF(bytes, before: from) }
        while index < count {
            guard let lfIndex = indexOfLF(bytes, from: index) else { break }
            // Limits before the bare-LF check: had the bytes come in two reads, the check below the
            // loop would already have answered 414 or 431 for the bytes before this LF, and the
            // status must not depend on where TCP cut the stream (found by Tests/Fuzz).
            if let lineEnd = firstLineEnd {
                if lfIndex - (lineEnd + 1) > limits.headerBytesMax + 2 { return .failure(.headersTooLarge) }
            } else if lfIndex - 1 > limits.requestLineBytesMax {
                return .failure(.uriTooLong)
            }
            if lfIndex == 0 || bytes[lfIndex - 1] != cr { return .failure(.badRequest("bare LF in the header section")) }
            // CR CR LF: the first CR is bare (RFC 9112 §2.2), and the head would never end here.
            if lfIndex >= 2 && bytes[lfIndex - 2] == cr { return .failure(.badRequest("bare CR in the header section")) }
            if firstLineEnd == nil { firstLineEnd = lfIndex }
            if lfIndex >= 3 && bytes[lfIndex - 2] == lf && bytes[lfIndex - 3] == cr {
                if lfIndex + 1 - (firstLineEnd! + 1) > limits.headerBytesMax + 2 { return .failure(.headersTooLarge) }
                return .complete(end: lfIndex + 1)
            }
            index = lfIndex + 1
        }
        guard let lineEnd = firstLineEnd else {
            return count > limits.requestLineBytesMax + 2 ? .failure(.uriTooLong) : .incomplete(resumeAt: count)
        }
        if count - (lineEnd + 1) > limits.headerBytesMax + 2 { return .failure(.headersTooLarge) }
        // Resume one byte back: a CR at the very end may be the start of the final CRLF.
        return .incomplete(resumeAt: max(lineEnd + 1, count - 1))
    }

    private static func indexOfLF(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(lf), bytes.count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    private static func firstLF(_ bytes: UnsafeRawBufferPointer, before end: Int) -> Int? {
        guard let found = indexOfLF(bytes, from: 0), found < end else { return nil }
        return found
    }

    /// Parses a complete head (`bytes` ends with CRLF CRLF).
    static func parse(_ bytes: UnsafeRawBufferPointer, limits: HTTPLimits) -> Outcome {
        var index = 0
        // Request line: method SP request-target SP HTTP-version CRLF (RFC 9112 §3), single spaces only.
        let methodEnd = scanToken(bytes, from: 0)
        guard methodEnd > 0, methodEnd < bytes.count, bytes[methodEnd] == space else {
            return .failure(.badRequest("malformed method"))
        }
        index = methodEnd + 1
        let targetStart = index
        while index < bytes.count, bytes[index] > 0x20, bytes[index] < 0x7F { index += 1 }
        guard index > targetStart, index < bytes.count, bytes[index] == space else {
            return .failure(.badRequest("malformed request-target"))
        }
        let targetEnd = index
        index += 1
        guard index + 10 <= bytes.count,
              bytes[index] == UInt8(ascii: "H"), bytes[index + 1] == UInt8(ascii: "T"),
              bytes[index + 2] == UInt8(ascii: "T"), bytes[index + 3] == UInt8(ascii: "P"),
              bytes[index + 4] == UInt8(ascii: "/"), isDigit(bytes[index + 5]),
              bytes[index + 6] == UInt8(ascii: "."), isDigit(bytes[index + 7]),
              bytes[index + 8] == cr, bytes[index + 9] == lf
        else { return .failure(.badRequest("malformed HTTP version")) }
        guard bytes[index + 5] == UInt8(ascii: "1") else { return .failure(.versionNotSupported) }
        let versionMinor = bytes[index + 7] == UInt8(ascii: "0") ? 0 : 1
        index += 10

        let method = string(bytes, methodEnd == 0 ? 0 : 0, methodEnd)
        var target = string(bytes, targetStart, targetEnd)
        var authority: String? = nil
        // Origin form, `*` for OPTIONS, or absolute form, which a server MUST accept (RFC 9112
        // §3.2.2): it is routed on its origin form and its authority replaces Host (§3.2.3).
        // Authority form is for CONNECT, which we do not serve.
        if bytes[targetStart] != UInt8(ascii: "/") && !(target == "*" && method == "OPTIONS") {
            guard let absolute = AbsoluteTarget(target) else {
                return .failure(.badRequest("request-target must be origin form or an http(s) URI"))
            }
            target = absolute.originForm
            authority = absolute.authority
        }

        // The fields stay bytes (HTTPHeaders.Wire): offsets into the field section, copied once below.
        let fieldsStart = index
        var entries: [(nameStart: UInt32, nameEnd: UInt32, valueStart: UInt32, valueEnd: UInt32)] = []
        // Most requests carry a handful of fields: one allocation, where growing was two or three.
        entries.reserveCapacity(min(8, limits.headerFieldsMax))
        while true {
            if bytes[index] == cr {
                // RFC 9112 §2.2: a CR is a line end only with its LF. scan() stopped at the first
                // CRLF CRLF, so CR LF here is the empty line that ends the head; a bare CR
                // (`\rContent-Length: 40`) must not end the section early and hand the rest of the
                // fields and the body to a "next request" (issue 22 item 6): refused, like bare LF.
                guard bytes[index + 1] == lf else { return .failure(.badRequest("bare CR in the header section")) }
                break
            }
            if bytes[index] == space || bytes[index] == tab {
                return .failure(.badRequest("obsolete line folding"))  // RFC 9112 §5.2
            }
            let nameEnd = scanToken(bytes, from: index)
            guard nameEnd > index, bytes[nameEnd] == colon else {
                // RFC 9112 §5.1: no whitespace between field name and colon.
                return .failure(.badRequest("malformed field name"))
            }
            var valueStart = nameEnd + 1
            while bytes[valueStart] == space || bytes[valueStart] == tab { valueStart += 1 }
            var valueEnd = skipPlainValueBytes(bytes, from: valueStart)
            while bytes[valueEnd] != cr {
                let byte = bytes[valueEnd]
                // RFC 9110 §5.5: field-vchar / SP / HTAB; NUL, CR, LF and other controls are fatal.
                guard byte == tab || (byte >= 0x20 && byte != 0x7F) else {
                    return .failure(.badRequest("invalid character in field value"))
                }
                valueEnd += 1
            }
            guard bytes[valueEnd + 1] == lf else { return .failure(.badRequest("CR without LF")) }
            let nextLine = valueEnd + 2
            while valueEnd > valueStart, bytes[valueEnd - 1] == space || bytes[valueEnd - 1] == tab { valueEnd -= 1 }
            if entries.count == limits.headerFieldsMax { return .failure(.headersTooLarge) }
            entries.append((UInt32(index - fieldsStart), UInt32(nameEnd - fieldsStart),
                            UInt32(valueStart - fieldsStart), UInt32(valueEnd - fieldsStart)))
            index = nextLine
        }
        let section = UnsafeRawBufferPointer(rebasing: bytes[fieldsStart..<index])
        return framing(method: method, target: target, authority: authority, versionMinor: versionMinor, section: section,
                       entries: entries, limits: limits)
    }

    /// Skips, eight at a time, bytes that are certainly field-value bytes (0x20-0x7E, 0x80-0xFF):
    /// the first word holding anything else (a tab, the CR that ends the line, a control, DEL) is
    /// left to the byte loop, which decides. Long values (`Authorization`, `User-Agent`, cookies)
    /// were most of the parser's time one byte at a time.
    @inline(__always)
    private static func skipPlainValueBytes(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = start
        while index + 8 <= bytes.count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            // A byte below 0x20 sets its high bit in `word - 0x20...` where the byte's own high
            // bit is clear; a 0x7F byte is a zero byte of `word ^ 0x7F...` (the usual SWAR tests,
            // exact for the first such byte, which is all the byte loop needs).
            let below20 = (word &- ones &* 0x20) & ~word & highs
            let flipped = word ^ (ones &* 0x7F)
            let isDEL = (flipped &- ones) & ~flipped & highs
            if below20 | isDEL != 0 { break }
            index += 8
        }
        return index
    }

    /// Decides body framing and connection semantics from the fields (RFC 9112 §6, §9).
    /// The fields are `entries` of `section` (the head's field lines, still in the read buffer):
    /// names are compared as bytes, and only the rare `Transfer-Encoding` and `Connection`
    /// values become strings.
    private static func framing(method: String, target: String, authority: String?, versionMinor: Int,
                                section: UnsafeRawBufferPointer,
                                entries: [(nameStart: UInt32, nameEnd: UInt32, valueStart: UInt32, valueEnd: UInt32)],
                                limits: HTTPLimits) -> Outcome {
        var hostCount = 0
        var contentLength: Int? = nil
        var transferCodings: [Substring] = []
        var sawTransferEncoding = false
        var close = false
        var keepAlive = false
        var expectsContinue = false
        for entry in entries {
            let name = UnsafeRawBufferPointer(rebasing: section[Int(entry.nameStart)..<Int(entry.nameEnd)])
            let valueBytes = UnsafeRawBufferPointer(rebasing: section[Int(entry.valueStart)..<Int(entry.valueEnd)])
            // Most names are none of these: their length alone says so.
            switch name.count {
            case 4, 6, 10, 14, 17: break
            default: continue
            }
            var value: String { String(decoding: valueBytes, as: UTF8.self) }
            if HTTPHeaders.nameEquals(name, "host") {
                hostCount += 1
            } else if HTTPHeaders.nameEquals(name, "content-length") {
                // RFC 9112 §6.3: 1*DIGIT only; differing repeats are smuggling. Digit by digit:
                // Int("+5") would accept a sign (PITFALLS.md).
                guard let length = parseDecimal(valueBytes) else { return .failure(.badRequest("malformed Content-Length")) }
                if let previous = contentLength, previous != length {
                    return .failure(.badRequest("conflicting Content-Length values"))
                }
                contentLength = length
            } else if HTTPHeaders.nameEquals(name, "transfer-encoding") {
                sawTransferEncoding = true
                transferCodings += value.split(separator: ",", omittingEmptySubsequences: false).map(\.trimmingSpaces)
            } else if HTTPHeaders.nameEquals(name, "connection") {
                for token in value.split(separator: ",") {
                    if HTTPHeaders.equalsIgnoringCase(token.trimmingSpaces, "close") { close = true }
                    if HTTPHeaders.equalsIgnoringCase(token.trimmingSpaces, "keep-alive") { keepAlive = true }
                }
            } else if HTTPHeaders.nameEquals(name, "expect") {
                expectsContinue = HTTPHeaders.nameEquals(valueBytes, "100-continue")
            }
        }
        // RFC 9112 §3.2: exactly one Host in 1.1; never more than one.
        if hostCount > 1 || (versionMinor == 1 && hostCount == 0) {
            return .failure(.badRequest(hostCount == 0 ? "missing Host" : "repeated Host"))
        }
        var framing = BodyFraming.none
        if sawTransferEncoding {
            // RFC 9112 §6.1: CL with TE is smuggling; TE in 1.0 cannot be trusted; anything but
            // one final `chunked` leaves the length unknowable (§6.3).
            guard contentLength == nil else { return .failure(.badRequest("both Content-Length and Transfer-Encoding")) }
            guard versionMinor == 1 else { return .failure(.badRequest("Transfer-Encoding in HTTP/1.0")) }
            guard transferCodings.count == 1, HTTPHeaders.equalsIgnoringCase(transferCodings[0], "chunked") else {
                return .failure(.badRequest("unsupported transfer coding"))
            }
            framing = .chunked
        } else if let length = contentLength, length > 0 {
            guard length <= limits.bodyBytesMax else { return .failure(.bodyTooLarge) }
            framing = .length(length)
        }
        let persistent = versionMinor == 1 ? !close : (keepAlive && !close)
        let headers = HTTPHeaders(wire: HTTPHeaders.Wire(bytes: Array(section), entries: entries))
        // RFC 9110 §10.1.1: a server MUST ignore 100-continue in an HTTP/1.0 request (a 1.0
        // client cannot parse an interim response).
        return .success(RequestHead(method: method, target: target, authority: authority, versionMinor: versionMinor,
                                    headers: headers,
                                    framing: framing, keepAlive: persistent,
                                    expectsContinue: expectsContinue && framing != .none && versionMinor == 1))
    }

    /// `1*DIGIT` with an overflow check; `nil` for anything else (signs, spaces, empty).
    static func parseDecimal<S: StringProtocol>(_ text: S) -> Int? {
        parseDecimal(text.utf8)
    }

    /// The same over bytes (a value still in the read buffer).
    static func parseDecimal<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> Int? {
        var value = 0
        var digits = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(byte - 0x30))
            if o1 || o2 { return nil }
            value = sum
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    private static func scanToken(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return from }
        var index = from
        let count = bytes.count
        while index < count, isTokenByte(base[index]) { index += 1 }
        return index
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// RFC 9110 §5.6.2 tchar: digits, letters and `!#$%&'*+-.^_`|~`, as one bit per byte of
    /// 0x00-0x3F and one of 0x40-0x7F. Literal masks, not a lazily built table: a table global
    /// cost a `swift_once` check on every byte of every field name (seen in profiles).
    @inline(__always) static func isTokenByte(_ byte: UInt8) -> Bool {
        guard byte < 0x80 else { return false }
        let bits: UInt64 = byte < 0x40 ? 0x03FF_6CFA_0000_0000 : 0x57FF_FFFF_C7FF_FFFE
        return bits & (1 &<< UInt64(byte & 0x3F)) != 0
    }

    @inline(__always) private static func string(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#endif
