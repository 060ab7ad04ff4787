import Foundation
import JWTKit

/// The access token's claims (API.md "Auth"): `sub` (user id as a string), `name`, `iat`, `exp`,
/// `iss` = "auth", and an optional `nbf` that verifiers honour.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var name: String
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    public var iss: IssuerClaim
    public var nbf: NotBeforeClaim?

    /// Claims for `userID`/`username` issued at `issuedAt` (whole seconds) for `ttlSeconds`.
    public init(userID: Int64, username: String, issuedAt: Date, ttlSeconds: Int) {
        let now = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down))
        sub = SubjectClaim(value: String(userID))
        name = username
        iat = IssuedAtClaim(value: now)
        exp = ExpirationClaim(value: now.addingTimeInterval(TimeInterval(ttlSeconds)))
        iss = IssuerClaim(value: TokenService.issuer)
        nbf = nil
    }

    /// Checks are explicit in ``TokenService/verify(_:now:)``, where the leeway is applied;
    /// jwt-kit calls this after the signature check.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
