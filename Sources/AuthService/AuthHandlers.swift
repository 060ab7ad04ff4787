import Foundation
import HTTP
import Routing
import ServiceKit

/// The auth routes' handlers.
struct AuthHandlers: Sendable {
    let config: AuthConfig
    let store: UserStore
    let tokens: TokenService
    let hasher: PasswordHasher
    let limiter: LoginLimiter

    struct Credentials: Decodable {
        let username: String
        let password: String
    }

    struct UserBody: Encodable {
        let id: Int64
        let username: String
        let created_at: String
    }

    struct TokenBody: Encodable {
        let access_token: String
        let token_type: String
        let expires_in: Int
    }

    /// `POST /auth/register`: 201, 400 invalid, 409 taken.
    func register(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let credentials = try JSONCoding.decode(Credentials.self, from: request)
        try Self.validate(username: credentials.username)
        try Self.validate(password: credentials.password)
        // Checked first so a taken name costs no scrypt; the UNIQUE column settles races.
        if try await store.find(usernameKey: credentials.username.lowercased()) != nil { throw AuthRejection.usernameTaken }
        let hash = try await hasher.hash(credentials.password)
        do {
            let user = try await store.insert(username: credentials.username, passwordHash: hash,
                                              createdAt: Timestamp.rfc3339())
            return try JSONCoding.response(UserBody(id: user.id, username: user.username, created_at: user.createdAt),
                                           status: 201)
        } catch is UserStore.UsernameTaken {
            throw AuthRejection.usernameTaken
        }
    }

    /// `POST /auth/login`: 200 token, 401 for a wrong password or unknown user alike, 429 locked.
    func login(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let credentials = try JSONCoding.decode(Credentials.self, from: request)
        let key = credentials.username.lowercased()
        let limiterKey = LoginLimiter.Key(lowercasedUsername: key)
        // Counted before the hash runs (issue 22): N parallel guesses get at most LOGIN_MAX_FAILURES answers.
        if case .locked(let seconds) = limiter.reserve(limiterKey) {
            throw AuthRejection.tooManyLoginAttempts(retryAfterSeconds: seconds)
        }
        let user: User?
        let matches: Bool
        do {
            (user, matches) = try await check(credentials, key: key)
        } catch {
            // No answer about the password was given: the attempt does not count.
            limiter.release(limiterKey)
            throw error
        }
        guard let user, matches else {
            limiter.failed(limiterKey)
            throw AuthRejection.invalidCredentials
        }
        limiter.succeeded(limiterKey)
        let token = try await tokens.issue(userID: user.id, username: user.username, ttlSeconds: config.tokenTTLSeconds)
        return try JSONCoding.response(TokenBody(access_token: token, token_type: "Bearer",
                                                 expires_in: config.tokenTTLSeconds))
    }

    /// The user `credentials` name, if any, and whether the password matches. An unknown but plausible
    /// name costs a dummy hash, so that its 401 takes as long as a wrong password's.
    private func check(_ credentials: Credentials, key: String) async throws -> (User?, Bool) {
        // Over-long input never reaches scrypt: it cannot match a valid registration anyway.
        let plausible = credentials.password.unicodeScalars.count <= 128 && credentials.username.utf8.count <= 64
        guard plausible, let user = try await store.find(usernameKey: key) else {
            if plausible { try await hasher.verifyDummy(credentials.password) }
            return (nil, false)
        }
        return (user, try await hasher.verify(credentials.password, against: user.passwordHash))
    }

    /// `GET /auth/me`: the token's user.
    func me(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let identity = try context.requireUser()
        guard let user = try await store.find(id: identity.id) else {
            throw HTTPError.unauthorized("The token's user no longer exists.")
        }
        return try JSONCoding.response(UserBody(id: user.id, username: user.username, created_at: user.createdAt))
    }

    /// 3–32 characters of `A-Za-z0-9_.-`.
    static func validate(username: String) throws {
        let bytes = username.utf8
        let allowed = bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        guard (3...32).contains(bytes.count), allowed else {
            throw HTTPError.invalidRequest("username must be 3 to 32 characters of A-Z, a-z, 0-9, '_', '.', '-'.")
        }
    }

    /// 8–128 Unicode characters (code points).
    static func validate(password: String) throws {
        guard (8...128).contains(password.unicodeScalars.count) else {
            throw HTTPError.invalidRequest("password must be 8 to 128 characters.")
        }
    }
}
