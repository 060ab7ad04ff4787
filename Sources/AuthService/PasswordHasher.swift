import Crypto
import CryptoExtras
import Foundation
import Routing
import ServiceKit

/// Salted scrypt password hashes (swift-crypto's CryptoExtras), computed on a bounded pool so a
/// burst of logins neither stalls the event loops nor multiplies scrypt's memory (32 MiB each at
/// the default cost; PITFALLS.md).
///
/// Stored form: `scrypt$<logN>$<r>$<p>$<salt base64>$<hash base64>`: the parameters travel with
/// the hash, so the cost can be raised later without breaking existing users.
final class PasswordHasher: Sendable {
    static let blockSize = 8
    static let parallelism = 3
    static let saltBytes = 16
    static let hashBytes = 32

    private let logN: Int
    private let pool: BlockingPool
    /// A hash of a password nobody has, checked for unknown usernames so that their 401 costs the
    /// same time as a wrong password's (no user enumeration by timing).
    private let dummyHash: String

    /// `threads` workers; `limits` bound the line of hashes waiting (SCRYPT_QUEUE_MAX, SCRYPT_QUEUE_WAIT_MS_MAX).
    init(logN: Int, threads: Int, limits: BlockingPool.Limits) throws {
        self.logN = logN
        // The dummy hash is made here anyway: timing it seeds the pool's estimate of a job's cost.
        let started = ContinuousClock.now
        dummyHash = try Self.makeHash(password: "dummy-password-for-timing", logN: logN)
        pool = BlockingPool(threads: threads, limits: limits, typicalJob: ContinuousClock.now - started, name: "scrypt")
    }

    /// A new hash with a fresh random salt. Low priority: a real user's login goes first.
    func hash(_ password: String) async throws -> String {
        let logN = self.logN
        return try await admitted { try await pool.run(.low) { try Self.makeHash(password: password, logN: logN) } }
    }

    /// Whether `password` matches `stored`; the comparison is constant-time. High priority: this is a
    /// real user's login, and the lockout bounds how many of these an attacker can cause.
    func verify(_ password: String, against stored: String) async throws -> Bool {
        try await admitted { try await pool.run(.high) { Self.matches(password: password, stored: stored) } }
    }

    /// Burns the same work as a real check, for a username that does not exist. Low priority: a flood
    /// of invented names is what fills the line (issue 22, item 9), and it must not delay real users.
    /// Under such a flood an unknown name may get 503 where a known one waits for its check; the names
    /// are no secret anyway (registering a taken name is 409).
    func verifyDummy(_ password: String) async throws {
        let stored = dummyHash
        _ = try await admitted { try await pool.run(.low) { Self.matches(password: password, stored: stored) } }
    }

    /// A refused or dropped hash is 503 `/problems/service-unavailable` with `Retry-After`.
    private func admitted<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let overloaded as BlockingPool.Overloaded {
            throw AuthRejection.hashingOverloaded(retryAfterSeconds: overloaded.retryAfterSeconds)
        }
    }

    static func makeHash(password: String, logN: Int) throws -> String {
        var salt = [UInt8](repeating: 0, count: saltBytes)
        var generator = SystemRandomNumberGenerator()  // getrandom(2): a CSPRNG
        for index in salt.indices { salt[index] = generator.next() }
        let key = try derive(password: password, salt: salt, logN: logN, r: blockSize, p: parallelism)
        let hash = key.withUnsafeBytes { Data($0) }
        return "scrypt$\(logN)$\(blockSize)$\(parallelism)$\(Data(salt).base64EncodedString())$\(hash.base64EncodedString())"
    }

    static func matches(password: String, stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 6, parts[0] == "scrypt", let logN = Int(parts[1]), (10...20).contains(logN),
              let r = Int(parts[2]), let p = Int(parts[3]), (1...16).contains(r), (1...16).contains(p),
              let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])),
              let key = try? derive(password: password, salt: Array(salt), logN: logN, r: r, p: p)
        else { return false }
        // SymmetricKey's == is swift-crypto's constant-time comparison.
        return key == SymmetricKey(data: expected)
    }

    private static func derive(password: String, salt: [UInt8], logN: Int, r: Int, p: Int) throws -> SymmetricKey {
        try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: hashBytes,
                                 rounds: 1 << logN, blockSize: r, parallelism: p)
    }
}
