import Crypto
import Foundation
import HTTP
import ServiceKit
import TestSupport
import Testing

extension AuthStockFixtures {
    /// Hand-built JWTs: base64url segments signed with HMAC-SHA256 (or not at all), so the tests can
    /// forge exactly the header and claims they want.
    enum JWTForge {
        static func base64URL(_ data: Data) -> String {
            data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        static func base64URLDecode(_ text: Substring) -> Data? {
            var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            return Data(base64Encoded: base64)
        }

        static func segment(_ object: [String: Any]) -> String {
            base64URL(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }

        static func hs256(_ input: String, secret: String) -> String {
            let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            return base64URL(Data(mac))
        }

        /// `header.payload.signature` with an HS256 signature over the first two segments under `secret`.
        static func token(header: [String: Any], payload: [String: Any], secret: String) -> String {
            let input = segment(header) + "." + segment(payload)
            return input + "." + hs256(input, secret: secret)
        }

        /// The decoded JSON object of segment `index` (0 header, 1 payload).
        static func decode(_ token: String, segment index: Int) -> [String: Any]? {
            let parts = token.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 3, let data = base64URLDecode(parts[index]) else { return nil }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }

        /// The token with one bit of its signature's first byte flipped.
        static func flippingSignatureBit(_ token: String) -> String {
            let parts = token.split(separator: ".", omittingEmptySubsequences: false)
            var signature = base64URLDecode(parts[2])!
            signature[signature.startIndex] ^= 0x01
            return parts[0] + "." + parts[1] + "." + base64URL(signature)
        }
    }
}

/// Token issuing and verification (API.md "Auth"): claims, and every way a forged or stale token
/// must fail against `GET /auth/me` with 401 and `WWW-Authenticate: Bearer`.
@Suite struct TokenServiceTests {
    typealias F = AuthStockFixtures
    typealias JWTForge = AuthStockFixtures.JWTForge
    static var header: [String: Any] { ["alg": "HS256", "typ": "JWT"] }

    @Test func loginTokenCarriesTheContractClaims() async throws {
        try await F.withAuth(["TOKEN_TTL_SECONDS": "1234"]) { auth in
            let registered = try await auth.client.post("/auth/register", json: F.credentials("Claimant", "password1"))
            let id = try #require(registered.int("id"))
            let before = Int(Date().timeIntervalSince1970.rounded(.down))
            let login = try await auth.client.post("/auth/login", json: F.credentials("claimant", "password1"))
            let after = Int(Date().timeIntervalSince1970.rounded(.up))
            #expect(login.int("expires_in") == 1234)
            let token = try #require(login.string("access_token"))
            let header = try #require(JWTForge.decode(token, segment: 0))
            #expect(header["alg"] as? String == "HS256")
            let claims = try #require(JWTForge.decode(token, segment: 1))
            #expect(claims["sub"] as? String == String(id), "sub is the id as a string")
            #expect(claims["name"] as? String == "Claimant", "name keeps the registered case")
            #expect(claims["iss"] as? String == "auth")
            let iat = try #require((claims["iat"] as? NSNumber)?.intValue)
            let exp = try #require((claims["exp"] as? NSNumber)?.intValue)
            #expect(iat >= before && iat <= after, "iat \(iat) in [\(before), \(after)]")
            #expect(exp == iat + 1234, "exp = iat + TOKEN_TTL_SECONDS")
            // The signature is HS256 under JWT_SECRET.
            let parts = token.split(separator: ".")
            #expect(JWTForge.hs256(parts[0] + "." + parts[1], secret: F.secret) == String(parts[2]))
        }
    }

    /// `(why, token, expected status)`: each row is one token sent to
    /// `/auth/me`. Claims start from a valid set for the registered user (`iat` now, `exp` in an hour).
    static func forgedRows(id: Int, now: Int) -> [(String, String, Int)] {
        let claims: [String: Any] = ["sub": String(id), "name": "Mallory", "iss": "auth", "iat": now, "exp": now + 3600]
        func with(_ changes: [String: Any?]) -> [String: Any] {
            var result = claims
            for (key, value) in changes {
                if let value { result[key] = value } else { result.removeValue(forKey: key) }
            }
            return result
        }
        func signed(_ header: [String: Any], _ payload: [String: Any], secret: String = F.secret) -> String {
            JWTForge.token(header: header, payload: payload, secret: secret)
        }
        let valid = signed(header, claims)
        let parts = valid.split(separator: ".")
        let otherPayload = JWTForge.segment(with(["sub": String(id + 1)]))
        func unsigned(_ alg: String) -> String { JWTForge.segment(["alg": alg, "typ": "JWT"]) + "." + parts[1] + "." }
        return [
            ("a hand-built valid HS256 token (control)", valid, 200),
            ("alg none, no signature", unsigned("none"), 401),
            ("alg None, no signature", unsigned("None"), 401),
            ("alg none carrying a valid HS256 signature", signed(["alg": "none", "typ": "JWT"], claims), 401),
            ("alg None carrying a valid HS256 signature", signed(["alg": "None", "typ": "JWT"], claims), 401),
            ("alg HS384 carrying a valid HS256 signature", signed(["alg": "HS384", "typ": "JWT"], claims), 401),
            ("alg HS512 carrying a valid HS256 signature", signed(["alg": "HS512", "typ": "JWT"], claims), 401),
            ("alg RS256 carrying a valid HS256 signature", signed(["alg": "RS256", "typ": "JWT"], claims), 401),
            ("alg hs256 in lower case", signed(["alg": "hs256", "typ": "JWT"], claims), 401),
            ("no alg", signed(["typ": "JWT"], claims), 401),
            ("a crit header", signed(["alg": "HS256", "typ": "JWT", "crit": ["exp"]], claims), 401),
            ("a flipped signature bit", JWTForge.flippingSignatureBit(valid), 401),
            ("an altered payload with the old signature", parts[0] + "." + otherPayload + "." + parts[2], 401),
            ("an empty signature", parts[0] + "." + parts[1] + ".", 401),
            ("signed with another secret", signed(header, claims, secret: F.secret + "-other"), 401),
            ("iss other", signed(header, with(["iss": "evil"])), 401),
            ("iss missing", signed(header, with(["iss": nil])), 401),
            ("exp missing", signed(header, with(["exp": nil])), 401),
            ("expired 31 s ago: beyond the 30 s leeway", signed(header, with(["exp": now - 31])), 401),
            ("expired an hour ago", signed(header, with(["iat": now - 7200, "exp": now - 3600])), 401),
            ("expired 10 s ago: inside the leeway", signed(header, with(["exp": now - 10])), 200),
            ("nbf 60 s ahead", signed(header, with(["nbf": now + 60])), 401),
            ("nbf 10 s ahead: inside the leeway", signed(header, with(["nbf": now + 10])), 200),
            ("nbf in the past", signed(header, with(["nbf": now - 60])), 200),
            ("sub not a number", signed(header, with(["sub": "abc"])), 401),
            ("sub a JSON number", signed(header, with(["sub": id])), 401),
            ("sub with a leading zero", signed(header, with(["sub": "0\(id)"])), 401),
            ("sub of no user", signed(header, with(["sub": "999999"])), 401),
            ("two segments", parts[0] + "." + parts[1], 401),
        ]
    }

    @Test func forgedAndStaleTokensAreRejectedByMe() async throws {
        try await F.withAuth { auth in
            let (id, _) = try await F.registerAndLogin(auth.client, "Mallory", "password1")
            let now = Int(Date().timeIntervalSince1970)
            for (why, token, status) in Self.forgedRows(id: id, now: now) {
                let reply = try await auth.client.get("/auth/me", token: token)
                if status == 200 {
                    #expect(reply.status == 200, "\(why): \(reply.text)")
                    #expect(reply.int("id") == id, "\(why)")
                } else {
                    F.expectProblem(reply, status: 401, type: "/problems/unauthorized", why)
                    #expect(reply.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true, "\(why)")
                }
            }
        }
    }

    @Test func aTokenOfOneSecretIsRejectedByAServiceWithAnother() async throws {
        var token = ""
        try await F.withAuth { auth in token = try await F.registerAndLogin(auth.client, "Oscar", "password1").token }
        try await F.withAuth(["JWT_SECRET": F.secret + "-rotated"]) { auth in
            _ = try await F.registerAndLogin(auth.client, "Oscar", "password1")
            let reply = try await auth.client.get("/auth/me", token: token)
            F.expectProblem(reply, status: 401, type: "/problems/unauthorized", "other secret")
        }
    }

    // MARK: - TokenService directly (time is injected)

    @Test func issuedTokensVerifyUntilTheLeewayAfterExpiry() async throws {
        let service = await TokenService(secret: F.secret)
        let issuedAt = Date(timeIntervalSince1970: 1_800_000_000)
        let token = try await service.issue(userID: 42, username: "Peggy", ttlSeconds: 600, now: issuedAt)
        let user = try await service.verify(token, now: issuedAt)
        #expect(user.id == 42 && user.username == "Peggy")
        /// `(seconds after issue, accepted, why)`: `exp` is issue + 600, leeway 30 s.
        let rows: [(TimeInterval, Bool, String)] = [
            (-29, true, "29 s before iat: clock skew is fine (no nbf)"),
            (599, true, "just before exp"),
            (600, true, "at exp"),
            (629, true, "29 s after exp"),
            (631, false, "31 s after exp: beyond the leeway"),
            (3600, false, "long after"),
        ]
        for (offset, accepted, why) in rows {
            do {
                _ = try await service.verify(token, now: issuedAt.addingTimeInterval(offset))
                #expect(accepted, "\(why): accepted")
            } catch {
                #expect(!accepted, "\(why): rejected with \(error)")
            }
        }
    }

    @Test func claimsUseWholeSecondsAndTheIssuer() async throws {
        let service = await TokenService(secret: F.secret)
        let token = try await service.issue(userID: 7, username: "Rupert", ttlSeconds: 60,
                                            now: Date(timeIntervalSince1970: 1_800_000_000.75))
        let claims = try #require(JWTForge.decode(token, segment: 1))
        #expect((claims["iat"] as? NSNumber)?.doubleValue == 1_800_000_000)
        #expect((claims["exp"] as? NSNumber)?.doubleValue == 1_800_000_060)
        #expect(claims["sub"] as? String == "7")
        #expect(claims["iss"] as? String == "auth")
        #expect(claims["name"] as? String == "Rupert")
    }

    @Test func verifyRejectsAForgedAlgorithmEvenAfterTheRealTokenWasCached() async throws {
        let service = await TokenService(secret: F.secret)
        let now = Date()
        let real = try await service.issue(userID: 9, username: "Sybil", ttlSeconds: 600, now: now)
        _ = try await service.verify(real, now: now)
        let parts = real.split(separator: ".")
        let relabelled = JWTForge.segment(["alg": "HS512", "typ": "JWT"]) + "." + parts[1]
        let forged = relabelled + "." + JWTForge.hs256(relabelled, secret: F.secret)
        await #expect(throws: (any Error).self) { _ = try await service.verify(forged, now: now) }
        // The cached real token still expires on time.
        await #expect(throws: (any Error).self) { _ = try await service.verify(real, now: now.addingTimeInterval(700)) }
    }

    /// The cache hashes only a token's last bytes: a token that shares them with a cached one
    /// (same signature, another payload) must still be a different token, known to nobody.
    @Test func aTokenSharingACachedTokensSignatureIsNotKnown() async throws {
        let service = await TokenService(secret: F.secret)
        let now = Date()
        let real = try await service.issue(userID: 9, username: "Sybil", ttlSeconds: 600, now: now)
        _ = try await service.verify(real, now: now)
        func request(_ token: String) -> HTTPRequest {
            HTTPRequest(method: "GET", target: "/auth/me", headers: ["Authorization": "Bearer " + token])
        }
        #expect(service.knownUser(request(real), now: now)?.id == 9)
        let parts = real.split(separator: ".")
        let otherPayload = JWTForge.segment(["sub": "1", "name": "Mallory", "iss": "auth",
                                             "exp": Int(now.timeIntervalSince1970) + 600])
        let spliced = parts[0] + "." + otherPayload + "." + parts[2]
        #expect(service.knownUser(request(spliced), now: now) == nil)
        #expect(service.knownUser(request("x" + real.dropFirst()), now: now) == nil)
        await #expect(throws: (any Error).self) { _ = try await service.verify(spliced, now: now) }
    }
}

/// `Authorization: Bearer <token>` as RFC 6750 writes it: the scheme in any case, one or more
/// spaces, the token; anything else is no token at all (the caller answers 401).
struct BearerTokenTests {
    static let rows: [(value: String?, token: String?)] = [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER    abc  ", "abc"),
        ("Bearer", nil),
        ("Bearerabc", nil),
        ("Basic dTpw", nil),
        ("Bearer\tabc", nil),
        ("Bearers abc", nil),
        (nil, nil),
        ("Bearer " + String(repeating: "a", count: 4096), String(repeating: "a", count: 4096)),
        ("Bearer " + String(repeating: "a", count: 4097), nil),
    ]

    @Test(arguments: rows.indices)
    func bearerToken(_ index: Int) {
        let row = Self.rows[index]
        var headers = HTTPHeaders()
        if let value = row.value { headers.add("Authorization", value) }
        let request = HTTPRequest(method: "GET", target: "/auth/me", headers: headers)
        #expect(TokenService.bearerToken(request).map(String.init) == row.token, "\(row.value?.prefix(20) ?? "none")")
    }
}
