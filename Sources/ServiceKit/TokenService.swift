import Foundation
import HTTP
import JWTKit
import Routing
import Synchronization

/// Issues and verifies the suite's HS256 access tokens with jwt-kit.
///
/// jwt-kit verifies with the key's algorithm whatever the header's `alg` says (PITFALLS.md), so
/// the header is checked here to be exactly `HS256`, and `iss`, `exp` and `nbf` are checked
/// explicitly with at most ``leeway`` of clock skew. It is the ``Authenticator`` of
/// ``AuthenticationMiddleware``, which fills the context's user before a handler runs. A token that passed is remembered (bounded)
/// so that the hot path of trade and the gateway does not redo HMAC and JSON per request; its
/// `exp`/`nbf` are still checked on every use.
public final class TokenService: Authenticator {
    /// The `iss` of every token.
    public static let issuer = "auth"
    /// Clock skew allowed on `exp` and `nbf` (API.md: at most 30 s).
    public static let leeway: TimeInterval = 30
    private static let cacheLimit = 10_000

    private struct Verified {
        let user: AuthenticatedUser
        let expires: Date
        let notBefore: Date?
    }

    /// A verified token as the cache's key: its bytes, a slice of the request's parsed head when
    /// looked up (no copy per lookup). It hashes only the token's last 8 bytes, which lie in the
    /// signature (HMAC output in base64url, so evenly spread), as one word: hashing all of a
    /// 200-byte token was a tenth of the gateway's work per `/auth/me`. Only verified tokens are
    /// stored, so nobody can pick keys that collide; equality still compares whole tokens.
    private struct TokenKey: Hashable, Sendable {
        let bytes: ArraySlice<UInt8>

        init(_ token: String) {
            bytes = Array(token.utf8)[...]
        }

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
        }

        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { bytes in
                if bytes.count >= 8 {
                    hasher.combine(bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
                } else {
                    hasher.combine(bytes: bytes)
                }
            }
        }

        static func == (left: TokenKey, right: TokenKey) -> Bool {
            left.bytes.count == right.bytes.count && left.bytes.withUnsafeBytes { a in
                right.bytes.withUnsafeBytes { b in a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 }
            }
        }
    }

    private let keys: JWTKeyCollection
    private let verified = Mutex<[TokenKey: Verified]>([:])

    /// Uses `secret` as the HMAC-SHA256 key.
    public init(secret: String) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    /// A signed token for the user.
    public func issue(userID: Int64, username: String, ttlSeconds: Int, now: Date = Date()) async throws -> String {
        let claims = AccessTokenClaims(userID: userID, username: username, issuedAt: now, ttlSeconds: ttlSeconds)
        return try await keys.sign(claims, header: ["typ": "JWT"])
    }

    /// The user a valid token names; throws 401 `/problems/unauthorized` otherwise.
    public func verify(_ token: String, now: Date = Date()) async throws -> AuthenticatedUser {
        if let hit = verified.withLock({ $0[TokenKey(token)] }) {
            try Self.checkTimes(expires: hit.expires, notBefore: hit.notBefore, now: now)
            return hit.user
        }
        guard TokenShape.headerAlgorithmIsHS256(token) else { throw HTTPError.unauthorized("The token's algorithm is not accepted.") }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw HTTPError.unauthorized("The token is invalid.")
        }
        guard claims.iss.value == Self.issuer else { throw HTTPError.unauthorized("The token's issuer is not accepted.") }
        try Self.checkTimes(expires: claims.exp.value, notBefore: claims.nbf?.value, now: now)
        guard let id = Int64(claims.sub.value), id > 0, String(id) == claims.sub.value else {
            throw HTTPError.unauthorized("The token's subject is invalid.")
        }
        let user = AuthenticatedUser(id: id, username: claims.name)
        verified.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[TokenKey(token)] = Verified(user: user, expires: claims.exp.value, notBefore: claims.nbf?.value)
        }
        return user
    }

    /// The user of a request's `Authorization: Bearer` token; 401 when missing or invalid.
    public func verifiedUser(for request: HTTPRequest) async throws -> AuthenticatedUser {
        if let user = knownUser(request) { return user }
        guard let token = Self.bearerToken(request) else {
            throw HTTPError.unauthorized("A Bearer token is required.")
        }
        return try await verify(String(token))
    }

    /// The user of a request whose token was verified before and is still within its times,
    /// without awaiting anything; `nil` means "not known", and ``verifiedUser(for:)`` decides.
    public func knownUser(_ request: HTTPRequest, now: Date = Date()) -> AuthenticatedUser? {
        guard let value = request.headers.valueBytes("Authorization"),
              let bounds = value.withUnsafeBytes({ TokenShape.bounds(inAuthorization: $0) }),
              let hit = verified.withLock({
                  $0[TokenKey(bytes: value[(value.startIndex + bounds.lowerBound)..<(value.startIndex + bounds.upperBound)])]
              }),
              (try? Self.checkTimes(expires: hit.expires, notBefore: hit.notBefore, now: now)) != nil
        else { return nil }
        return hit.user
    }

    /// ``knownUser(_:now:)`` now.
    public func knownUser(for request: HTTPRequest) -> AuthenticatedUser? {
        knownUser(request)
    }

    /// The token of an `Authorization: Bearer <token>` field (scheme case-insensitive, RFC 6750),
    /// as a slice of the field's value (no copy).
    public static func bearerToken(_ request: HTTPRequest) -> Substring? {
        guard var value = request.headers["Authorization"],
              let bounds = value.withUTF8({ TokenShape.bounds(inAuthorization: UnsafeRawBufferPointer($0)) })
        else { return nil }
        // Both offsets sit next to ASCII bytes (a space, a tab, or the ends), so they are
        // character boundaries.
        let utf8 = value.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: bounds.lowerBound)
        return value[from..<utf8.index(from, offsetBy: bounds.count)]
    }

    private static func checkTimes(expires: Date, notBefore: Date?, now: Date) throws {
        guard now.timeIntervalSince(expires) < leeway else { throw HTTPError.unauthorized("The token has expired.") }
        if let notBefore, notBefore.timeIntervalSince(now) > leeway {
            throw HTTPError.unauthorized("The token is not valid yet.")
        }
    }
}
