/// An absolute-form request-target (`http://host:port/path?query`, RFC 9112 §3.2.2) split into
/// the authority and the origin form the server routes on.
///
/// A server MUST accept absolute form (§3.2.2) even though only proxies are sent it; the
/// authority it names then replaces `Host` for the request (§3.2.3), while a 1.1 request still
/// needs exactly one `Host` field (§3.2). Strict where a lax split would let two parsers see two
/// different targets: only `http` and `https`, an authority without userinfo (RFC 9110 §4.2.4
/// calls its presence an error), and nothing but authority bytes in it.
struct AbsoluteTarget: Equatable {
    /// `host[:port]` as sent.
    var authority: String
    /// The path and query, `/` for an empty path (RFC 9112 §3.2.1: an empty path is sent as `/`).
    var originForm: String

    /// Splits `target` (already checked to be 0x21-0x7E bytes); `nil` if it is not an `http` or
    /// `https` URI in absolute form with a non-empty authority.
    init?(_ target: String) {
        let bytes = Array(target.utf8)
        // RFC 3986 §3.1: scheme is case-insensitive; compare lower-cased ASCII.
        func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        let schemeEnd: Int
        if bytes.count >= 7, bytes[0..<7].map(lower) == Array("http://".utf8) {
            schemeEnd = 7
        } else if bytes.count >= 8, bytes[0..<8].map(lower) == Array("https://".utf8) {
            schemeEnd = 8
        } else {
            return nil
        }
        var end = schemeEnd
        while end < bytes.count, bytes[end] != UInt8(ascii: "/"), bytes[end] != UInt8(ascii: "?") {
            guard Self.isAuthorityByte(bytes[end]) else { return nil }
            end += 1
        }
        guard end > schemeEnd else { return nil }  // RFC 9110 §4.2.1: an empty host is invalid
        authority = String(decoding: bytes[schemeEnd..<end], as: UTF8.self)
        let rest = String(decoding: bytes[end...], as: UTF8.self)
        originForm = rest.hasPrefix("/") ? rest : "/" + rest
    }

    /// RFC 3986 §3.2: unreserved, pct-encoded, sub-delims, `:` and the brackets of an IPv6
    /// literal. Not `@` (no userinfo) and not `#` (no fragment in a request).
    private static func isAuthorityByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("-._~%!$&'()*+,;=:[]".utf8).contains(byte)
        }
    }
}
