import HTTP
import Routing

/// Why auth refused a registration or a login. Each case is answered as one problem type, in
/// ``AuthProblems`` below: the one registry of what auth answers.
enum AuthRejection: Error, Equatable, Sendable {
    /// Registration of a name that exists, case-insensitively (409).
    case usernameTaken
    /// A wrong password or an unknown user, alike (401, same type and title: API.md).
    case invalidCredentials
    /// The username is locked out for `retryAfterSeconds` (429).
    case tooManyLoginAttempts(retryAfterSeconds: Int)
    /// The scrypt pool refused or dropped the hash (503); no answer about the password was given.
    case hashingOverloaded(retryAfterSeconds: Int)
}

/// Every problem type auth answers: its own, and the shared ones of the layers below.
enum AuthProblems {
    static let usernameTaken = ProblemType(409, "/problems/username-taken", title: "Username taken")
    static let invalidCredentials = ProblemType(401, "/problems/invalid-credentials", title: "Invalid credentials")
    static let tooManyLoginAttempts = ProblemType(429, "/problems/too-many-login-attempts", title: "Too many login attempts")

    /// Auth's own kinds (the registry `ProblemRegistryTests` checks against `openapi.yaml`).
    package static let all: [ProblemType] = [usernameTaken, invalidCredentials, tooManyLoginAttempts]
}

extension AuthRejection: ProblemOutcome {
    var problemType: ProblemType {
        switch self {
        case .usernameTaken: AuthProblems.usernameTaken
        case .invalidCredentials: AuthProblems.invalidCredentials
        case .tooManyLoginAttempts: AuthProblems.tooManyLoginAttempts
        case .hashingOverloaded: HTTPProblems.serviceUnavailable
        }
    }

    var detail: String {
        switch self {
        case .usernameTaken: "That username is already registered."
        case .invalidCredentials: "The username or password is incorrect."
        case .tooManyLoginAttempts: "Too many failed logins for this username; try again later."
        case .hashingOverloaded: "Too many password checks are waiting; try again shortly."
        }
    }

    var headers: HTTPHeaders {
        switch self {
        case .usernameTaken, .invalidCredentials: HTTPHeaders()
        case .tooManyLoginAttempts(let seconds), .hashingOverloaded(let seconds): ["Retry-After": String(seconds)]
        }
    }

    var outcome: String {
        switch self {
        case .usernameTaken: "username-taken"
        case .invalidCredentials: "invalid-credentials"
        case .tooManyLoginAttempts: "too-many-login-attempts"
        case .hashingOverloaded: "hashing-overloaded"
        }
    }
}
