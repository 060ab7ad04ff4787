import Foundation
import HTTP

/// The checks on a token's bytes made before any cryptography: where the token lies in an
/// `Authorization` value, and whether its JOSE header names HS256. Pure (Foundation and the HTTP
/// codec only, no jwt-kit), so the fuzz target `token-shape` (Tests/Fuzz) builds this file alone.
enum TokenShape {
    /// The longest token accepted, in bytes (ours are about 200).
    static let tokenBytesMax = 4096

    /// Where the token of `Authorization: Bearer <token>` lies, as byte offsets into the value:
    /// the scheme case-insensitive (RFC 6750), spaces and tabs around the token dropped, nothing
    /// for an empty token or one over ``tokenBytesMax``.
    static func bounds(inAuthorization bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")),
              HTTPHeaders.nameEquals(UnsafeRawBufferPointer(rebasing: bytes[..<space]), "bearer")
        else { return nil }
        var start = space + 1
        var end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        guard start < end, end - start <= tokenBytesMax else { return nil }
        return start..<end
    }

    /// Whether the JOSE header (the first segment) says exactly `"alg":"HS256"`, with no `crit`.
    static func headerAlgorithmIsHS256(_ token: some StringProtocol) -> Bool {
        guard let dot = token.firstIndex(of: "."), let data = base64URLDecode(token[..<dot]),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let alg = object["alg"] as? String
        else { return false }
        return alg == "HS256" && object["crit"] == nil
    }

    private static func base64URLDecode(_ text: some StringProtocol) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
