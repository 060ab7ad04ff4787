import Routing
import Testing

/// RFC 3986 §2.1 percent-decoding of path segments and query values: each `%XX` is one byte, the
/// bytes must be UTF-8, and anything else is `nil` (the router answers 404 or 400, never guesses).
@Suite struct PercentDecodingTests {
    /// `(text, plusAsSpace, decoded, why)`; `nil` means refused.
    static let rows: [(String, Bool, String?, String)] = [
        ("", false, "", "empty"),
        ("AAPL", false, "AAPL", "nothing to decode"),
        ("a%20b", false, "a b", "an escaped space"),
        ("%41%42%43", false, "ABC", "only escapes"),
        ("%4a%4A", false, "JJ", "hex digits in either case"),
        ("%2F", false, "/", "an escaped slash is data, not a separator"),
        ("%25", false, "%", "an escaped percent sign"),
        ("%2541", false, "%41", "decoded once, not twice"),
        ("caf%C3%A9", false, "caf\u{e9}", "two-byte UTF-8"),
        ("%F0%9F%92%B6", false, "\u{1f4b6}", "four-byte UTF-8"),
        ("caf\u{e9}%21", false, "caf\u{e9}!", "raw UTF-8 beside an escape is kept"),
        ("%00", false, "\u{0}", "NUL is valid UTF-8: decoded; callers that refuse it must check"),
        ("a%0Ab", false, "a\nb", "an escaped LF is data"),
        ("a+b", false, "a+b", "plus is itself in a path"),
        ("a+b", true, "a b", "plus is a space in a query value"),
        ("a%2Bb", true, "a+b", "an escaped plus stays a plus in a query value"),
        ("+", true, " ", "a lone plus"),
        ("%", false, nil, "a lone percent sign"),
        ("%4", false, nil, "one hex digit"),
        ("a%", false, nil, "a percent sign at the end"),
        ("%G1", false, nil, "a first digit that is not hex"),
        ("%1G", false, nil, "a second digit that is not hex"),
        ("%+1", true, nil, "a sign is not a hex digit"),
        ("% 1", false, nil, "a space is not a hex digit"),
        ("%%41", false, nil, "a percent sign is not a hex digit"),
        ("%C3", false, nil, "a truncated two-byte sequence"),
        ("%C3%28", false, nil, "a bad continuation byte"),
        ("%FF", false, nil, "0xFF is never UTF-8"),
        ("%C0%AF", false, nil, "an overlong slash (CVE-2000-0884's trick)"),
        ("%ED%A0%80", false, nil, "a UTF-16 surrogate"),
        ("%F4%90%80%80", false, nil, "past U+10FFFF"),
        ("%80", false, nil, "a lone continuation byte"),
    ]

    @Test(arguments: rows)
    func decodes(_ text: String, _ plusAsSpace: Bool, _ decoded: String?, _ why: String) {
        #expect(PercentDecoding.decode(text, plusAsSpace: plusAsSpace) == decoded, "\(why)")
        // A substring (how the router passes path segments) decodes the same.
        let padded = "/" + text + "/"
        let inner = padded.dropFirst().dropLast()
        #expect(PercentDecoding.decode(inner, plusAsSpace: plusAsSpace) == decoded, "\(why), as a substring")
    }

    @Test func everyByteRoundTripsThroughItsEscape() {
        for byte in UInt8(0)...0x7F {
            let escaped = "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            #expect(PercentDecoding.decode(escaped) == String(decoding: [byte], as: UTF8.self), "\(escaped)")
        }
        for byte in UInt8(0x80)...0xFF {
            #expect(PercentDecoding.decode("%" + String(byte, radix: 16)) == nil, "a lone byte 0x\(String(byte, radix: 16))")
        }
    }

    @Test func plusIsASpaceOnlyWhenAsked() {
        #expect(PercentDecoding.decode("1+1%3D2") == "1+1=2")
        #expect(PercentDecoding.decode("1+1%3D2", plusAsSpace: true) == "1 1=2")
    }
}
