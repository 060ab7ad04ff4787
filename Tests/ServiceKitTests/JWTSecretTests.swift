import Foundation
import ServiceKit
import TestSupport
import Testing

/// `Environment.jwtSecret()`'s refusals (API.md "Configuration"): `JWT_SECRET` and `JWT_SECRET_FILE`
/// both set, a missing file, a key under 32 bytes, a huge file; none echoes the key. What the services
/// do with the secret (and the processes) is ServiceTests' `SecretConfigTests`.
@Suite struct JWTSecretTests {
    static let key = String(repeating: "k", count: 40)

    /// Writes `content` to a file in `folder`; its path.
    static func file(_ folder: TemporaryFolder, _ content: String) -> String {
        let path = folder.path + "/secret-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(content.utf8))
        return path
    }

    /// `(variables, the variable the error names, why)`; `{file:TEXT}` becomes a file holding TEXT.
    static let refusals: [([String: String], String, String)] = [
        (["JWT_SECRET": key, "JWT_SECRET_FILE": "{file:\(key)}"], "JWT_SECRET_FILE", "both set"),
        (["JWT_SECRET_FILE": "/nonexistent/secret"], "JWT_SECRET_FILE", "a missing file"),
        (["JWT_SECRET_FILE": "{file:short-key\n}"], "JWT_SECRET_FILE", "a key under 32 bytes"),
        (["JWT_SECRET_FILE": "{file:\(String(repeating: "k", count: 31))\n}"], "JWT_SECRET_FILE",
         "31 bytes once the newline is trimmed"),
        (["JWT_SECRET_FILE": "{file:\(String(repeating: "k", count: 5000))}"], "JWT_SECRET_FILE", "a huge file"),
    ]

    @Test(arguments: refusals)
    func aBadSecretSettingIsAConfigError(_ variables: [String: String], _ variable: String, _ why: String) throws {
        let folder = try TemporaryFolder("secret")
        defer { folder.remove() }
        var values: [String: String] = [:]
        for (name, value) in variables {
            if value.hasPrefix("{file:") {
                values[name] = Self.file(folder, String(value.dropFirst("{file:".count).dropLast()))
            } else {
                values[name] = value
            }
        }
        do {
            _ = try Environment(values).jwtSecret()
            Issue.record("\(why) was accepted")
        } catch let error as ConfigError {
            #expect(error.variable == variable, "\(why): \(error)")
            #expect(!error.description.contains(Self.key), "\(why): the key is not echoed")
            if why == "both set" { #expect(error.description.contains(" JWT_SECRET "), "names both: \(error)") }
        }
    }
}
