import Foundation
import JWTForging
import TestSupport
import Testing

/// The auth service's tokens over HTTP (API.md "Auth"): the claims a login issues, and every way a forged
/// or stale token must fail against `GET /auth/me` with 401 and `WWW-Authenticate: Bearer`. `TokenService`
/// itself, with time injected, is tested in ServiceKitTests.
@Suite struct AuthTokenTests {
    typealias F = AuthStockFixtures
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
}
