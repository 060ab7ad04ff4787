import Foundation
import HTTP
import JWTForging
import ServiceKit
import Testing

/// `TokenService` with time injected (API.md "Auth"): the leeway after expiry, whole-second claims,
/// and a forged algorithm or a spliced payload rejected even once the real token is cached.
@Suite struct TokenServiceTests {
    /// A 40-byte HS256 key (the contract wants at least 32 bytes).
    static let secret = "token-service-tests-secret-0123456789-ab"

    @Test func issuedTokensVerifyUntilTheLeewayAfterExpiry() async throws {
        let service = await TokenService(secret: Self.secret)
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
        let service = await TokenService(secret: Self.secret)
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
        let service = await TokenService(secret: Self.secret)
        let now = Date()
        let real = try await service.issue(userID: 9, username: "Sybil", ttlSeconds: 600, now: now)
        _ = try await service.verify(real, now: now)
        let parts = real.split(separator: ".")
        let relabelled = JWTForge.segment(["alg": "HS512", "typ": "JWT"]) + "." + parts[1]
        let forged = relabelled + "." + JWTForge.hs256(relabelled, secret: Self.secret)
        await #expect(throws: (any Error).self) { _ = try await service.verify(forged, now: now) }
        // The cached real token still expires on time.
        await #expect(throws: (any Error).self) { _ = try await service.verify(real, now: now.addingTimeInterval(700)) }
    }

    /// The cache hashes only a token's last bytes: a token that shares them with a cached one
    /// (same signature, another payload) must still be a different token, known to nobody.
    @Test func aTokenSharingACachedTokensSignatureIsNotKnown() async throws {
        let service = await TokenService(secret: Self.secret)
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
