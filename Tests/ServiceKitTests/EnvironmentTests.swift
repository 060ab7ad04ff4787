import Foundation
import ServiceKit
import TestSupport
import Testing

/// `Environment`'s getters (API.md "Configuration"): every bad value is a `ConfigError` naming its
/// variable, and good values are accepted. The services' own configs are ServiceTests' `ConfigTests`.
@Suite struct EnvironmentTests {
    /// What to read from an environment.
    enum Getter: String, Sendable, CaseIterable {
        case port, host, logLevel, jwtSecret, databasePath
    }

    /// Reads `reader` from `values`, with a writable `DATABASE_PATH` unless the row sets one.
    static func read(_ reader: Getter, _ values: [String: String], folder: TemporaryFolder) throws {
        var values = values
        if values["DATABASE_PATH"] == nil { values["DATABASE_PATH"] = folder.path + "/db/x.sqlite" }
        let environment = Environment(values)
        switch reader {
        case .port: _ = try environment.port(default: 5001)
        case .host: _ = try environment.host()
        case .logLevel: _ = try environment.logLevel()
        case .jwtSecret: _ = try environment.jwtSecret()
        case .databasePath: _ = try environment.databasePath(service: "x")
        }
    }

    /// `(reader, variable, value, why)`: each must throw `ConfigError` naming `variable`.
    /// `{file}` in a value is replaced by a regular file's path.
    static let refusals: [(Getter, String, String, String)] = [
        (.port, "PORT", "abc", "a word"),
        (.port, "PORT", "70000", "above 65535"),
        (.port, "PORT", "65536", "just above 65535"),
        (.port, "PORT", "-1", "negative"),
        (.port, "PORT", "+80", "a plus sign (Int(\"+80\") would accept it)"),
        (.port, "PORT", " 80", "a leading space"),
        (.port, "PORT", "80.0", "a decimal"),
        (.port, "PORT", "99999999999999999999999", "overflow"),
        (.host, "HOST", "localhost", "a name, not an address"),
        (.host, "HOST", "example.com", "a domain name"),
        (.logLevel, "LOG_LEVEL", "loud", "an unknown level"),
        (.logLevel, "LOG_LEVEL", "trace", "a swift-log level the contract does not list"),
        (.jwtSecret, "JWT_SECRET", "short", "5 bytes"),
        (.jwtSecret, "JWT_SECRET", "0123456789", "10 bytes"),
        (.jwtSecret, "JWT_SECRET", String(repeating: "k", count: 31), "31 bytes"),
        (.databasePath, "DATABASE_PATH", "{file}/sub/x.sqlite", "a folder under a regular file"),
    ]

    @Test(arguments: refusals)
    func aBadValueThrowsAConfigErrorNamingTheVariable(_ reader: Getter, _ variable: String, _ value: String,
                                                      _ why: String) throws {
        let folder = try TemporaryFolder("config")
        defer { folder.remove() }
        let file = folder.path + "/a-regular-file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let values = [variable: value.replacingOccurrences(of: "{file}", with: file)]
        do {
            try Self.read(reader, values, folder: folder)
            Issue.record("\(reader) \(variable)=\(value) (\(why)) was accepted")
        } catch let error as ConfigError {
            #expect(error.variable == variable, "\(why): \(error)")
            #expect(error.description.contains(variable), "\(why): the line names the variable: \(error)")
            #expect(!error.description.contains("\n"), "\(why): one line")
            if variable == "JWT_SECRET" {
                #expect(!error.description.contains(value), "\(why): the secret is not echoed")
            }
        } catch {
            Issue.record("\(why): not a ConfigError: \(error)")
        }
    }

    /// `(reader, variables, why)`: good values that must be accepted.
    static let acceptances: [(Getter, [String: String], String)] = [
        (.port, ["PORT": "0"], "0 lets the kernel choose"),
        (.port, ["PORT": "65535"], "the highest port"),
        (.port, [:], "unset"),
        (.port, ["PORT": ""], "empty counts as unset"),
        (.host, ["HOST": "127.0.0.1"], "IPv4"),
        (.host, ["HOST": "::1"], "IPv6"),
        (.logLevel, ["LOG_LEVEL": "DEBUG"], "case-insensitive"),
        (.logLevel, ["LOG_LEVEL": "warning"], "warning"),
        (.jwtSecret, ["JWT_SECRET": String(repeating: "k", count: 32)], "exactly 32 bytes"),
        (.jwtSecret, ["JWT_SECRET": String(repeating: "é", count: 16)], "16 two-byte characters are 32 bytes"),
    ]

    @Test(arguments: acceptances)
    func aGoodValueIsAccepted(_ reader: Getter, _ values: [String: String], _ why: String) throws {
        let folder = try TemporaryFolder("config")
        defer { folder.remove() }
        #expect(throws: Never.self, "\(why)") { try Self.read(reader, values, folder: folder) }
    }
}
