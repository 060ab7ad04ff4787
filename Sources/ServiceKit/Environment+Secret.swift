import Foundation
import Logging

/// The HS256 signing key: `JWT_SECRET`, or the file `JWT_SECRET_FILE` names (API.md "Configuration"),
/// or the development secret, which is for loopback only.
extension Environment {
    /// The development JWT secret, printed in this repository: anyone can sign tokens with it, so a
    /// process using it listens on loopback only (see ``CommonConfig/restrictToLoopback(developmentSecret:environment:)``).
    public static let developmentJWTSecret = "dev-only-insecure-secret-change-me-0123456789"

    /// Largest `JWT_SECRET_FILE` read, in bytes: a key is tens of bytes; a path to something else is refused.
    public static let jwtSecretFileBytesMax = 4096

    /// `JWT_SECRET` or the content of `JWT_SECRET_FILE` (one trailing newline trimmed), at least 32
    /// bytes; the development default when neither is set. `isDevelopmentDefault` is also true when the
    /// configured key *is* the published development secret: it protects nothing either.
    public func jwtSecret() throws -> (secret: String, isDevelopmentDefault: Bool) {
        let inline = raw("JWT_SECRET")
        let path = raw("JWT_SECRET_FILE")
        if inline != nil && path != nil {
            throw ConfigError("JWT_SECRET_FILE", "and JWT_SECRET are both set: set only one")
        }
        let secret: String
        let variable: String
        if let inline {
            (secret, variable) = (inline, "JWT_SECRET")
        } else if let path {
            (secret, variable) = (try Self.readSecretFile(path), "JWT_SECRET_FILE")
        } else {
            return (Self.developmentJWTSecret, true)
        }
        guard secret.utf8.count >= 32 else {
            throw ConfigError(variable, "must hold a key of at least 32 bytes (got \(secret.utf8.count))")
        }
        return (secret, secret == Self.developmentJWTSecret)
    }

    /// The file's content as a key: UTF-8, bounded, one trailing `\n` or `\r\n` removed (what `echo` and
    /// editors add; `docker secret` files and `openssl rand -base64` output end with one).
    private static func readSecretFile(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ConfigError("JWT_SECRET_FILE", "names a file that cannot be read: \(path)")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: jwtSecretFileBytesMax + 1)) ?? Data()
        guard data.count <= jwtSecretFileBytesMax else {
            throw ConfigError("JWT_SECRET_FILE", "names a file larger than \(jwtSecretFileBytesMax) bytes: \(path)")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw ConfigError("JWT_SECRET_FILE", "names a file that is not UTF-8 text: \(path)")
        }
        if text.hasSuffix("\r\n") {
            text.removeLast(1)  // "\r\n" is one Character
        } else if text.hasSuffix("\n") {
            text.removeLast()
        }
        return text
    }

    /// Logs the loud warning of every start that uses the development JWT secret.
    public static func warnIfDevelopmentSecret(_ isDevelopmentDefault: Bool, logger: Logger) {
        guard isDevelopmentDefault else { return }
        logger.warning("signing with the published development secret (neither JWT_SECRET nor JWT_SECRET_FILE gives another key): loopback only. Never run production like this.")
    }

    /// Whether `host` (a numeric address) is a loopback address: 127.0.0.0/8, `::1`, or an IPv4-mapped
    /// `::ffff:127.x.y.z`.
    public static func isLoopback(_ host: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        return mapped && bytes[12] == 127
    }
}

extension CommonConfig {
    /// With the development secret, tokens anyone can forge must not be accepted from beyond this
    /// machine: an unset `HOST` becomes 127.0.0.1, and a `HOST` that is not loopback is a start error
    /// naming both secret variables (API.md "Configuration").
    public mutating func restrictToLoopback(developmentSecret: Bool, environment: Environment) throws {
        guard developmentSecret else { return }
        guard environment.raw("HOST") != nil else {
            host = "127.0.0.1"
            return
        }
        guard Environment.isLoopback(host) else {
            throw ConfigError("JWT_SECRET", "or JWT_SECRET_FILE must be set to listen on HOST \(host), which is not a loopback address (the development secret is for loopback only)")
        }
    }
}
