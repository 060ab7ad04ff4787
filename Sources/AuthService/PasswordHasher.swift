import Crypto
import CryptoExtras
import Foundation
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

    init(logN: Int, threads: Int) throws {
        self.logN = logN
        pool = BlockingPool(threads: threads, queueLimit: 4096, name: "scrypt")
        dummyHash = try Self.makeHash(password: "dummy-password-for-timing", logN: logN)
    }

    /// A new hash with a fresh random salt.
    func hash(_ password: String) async throws -> String {
        let logN = self.logN
        return try await pool.run { try Self.makeHash(password: password, logN: logN) }
    }

    /// Whether `password` matches `stored`; the comparison is constant-time.
    func verify(_ password: String, against stored: String) async throws -> Bool {
        try await pool.run { Self.matches(password: password, stored: stored) }
    }

    /// Burns the same work as a real check, for a username that does not exist.
    func verifyDummy(_ password: String) async throws {
        let stored = dummyHash
        _ = try await pool.run { Self.matches(password: password, stored: stored) }
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
