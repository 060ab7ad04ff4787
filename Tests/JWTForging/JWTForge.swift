import Crypto
import Foundation

/// Hand-built JWTs: base64url segments signed with HMAC-SHA256 (or not at all), so the tests can
/// forge exactly the header and claims they want.
public enum JWTForge {
    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    public static func segment(_ object: [String: Any]) -> String {
        base64URL(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    public static func hs256(_ input: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return base64URL(Data(mac))
    }

    /// `header.payload.signature` with an HS256 signature over the first two segments under `secret`.
    public static func token(header: [String: Any], payload: [String: Any], secret: String) -> String {
        let input = segment(header) + "." + segment(payload)
        return input + "." + hs256(input, secret: secret)
    }

    /// The decoded JSON object of segment `index` (0 header, 1 payload).
    public static func decode(_ token: String, segment index: Int) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = base64URLDecode(parts[index]) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// The token with one bit of its signature's first byte flipped.
    public static func flippingSignatureBit(_ token: String) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        var signature = base64URLDecode(parts[2])!
        signature[signature.startIndex] ^= 0x01
        return parts[0] + "." + parts[1] + "." + base64URL(signature)
    }
}
