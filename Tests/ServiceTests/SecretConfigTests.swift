import AuthService
import Foundation
import GatewayService
import ServiceKit
import StockService
import TestSupport
import Testing
import TradeService

/// The signing key's sources (API.md "Configuration"): `JWT_SECRET`, `JWT_SECRET_FILE`, or the published
/// development secret, which keeps a process on loopback so that nobody beyond the machine can present
/// a token forged with it (issue 22, item 4).
@Suite struct SecretConfigTests {
    static let key = String(repeating: "k", count: 40)

    /// An environment for `reader` with a writable database.
    static func values(_ folder: TemporaryFolder, _ extra: [String: String]) -> [String: String] {
        ["DATABASE_PATH": folder.path + "/x.sqlite"].merging(extra) { $1 }
    }

    /// Writes `content` to a file in `folder`; its path.
    static func file(_ folder: TemporaryFolder, _ content: String) -> String {
        let path = folder.path + "/secret-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: path, contents: Data(content.utf8))
        return path
    }

    @Test(arguments: [("\n", "a trailing LF"), ("\r\n", "a trailing CRLF"), ("", "no newline")])
    func theFileHoldsTheKeyWithOneTrailingNewlineTrimmed(_ ending: String, _ why: String) throws {
        let folder = try TemporaryFolder("secret")
        defer { folder.remove() }
        let path = Self.file(folder, Self.key + ending)
        let (secret, development) = try Environment(["JWT_SECRET_FILE": path]).jwtSecret()
        #expect(secret == Self.key, "\(why)")
        #expect(!development)
        let auth = try AuthConfig(environment: Environment(Self.values(folder, ["JWT_SECRET_FILE": path, "HOST": "0.0.0.0"])))
        #expect(auth.jwtSecret == Self.key && auth.common.host == "0.0.0.0", "a real key may listen anywhere")
    }

    @Test func withNoSecretTheSigningServicesListenOnLoopbackOnly() throws {
        let folder = try TemporaryFolder("secret")
        defer { folder.remove() }
        let none = Environment(Self.values(folder, [:]))
        #expect(try AuthConfig(environment: none).common.host == "127.0.0.1")
        #expect(try TradeConfig(environment: none).common.host == "127.0.0.1")
        #expect(try GatewayConfig(environment: none).common.host == "127.0.0.1")
        #expect(try StockConfig(environment: none).common.host == "0.0.0.0", "stock signs and checks no token")
        for host in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            let config = try GatewayConfig(environment: Environment(["HOST": host]))
            #expect(config.common.host == host && config.jwtSecretIsDevelopmentDefault, "\(host) is loopback")
        }
    }

    @Test(arguments: [
        ([String: String](), "0.0.0.0", "no secret"),
        ([:], "::", "no secret, IPv6 any"),
        ([:], "10.1.2.3", "no secret, a private address"),
        ([:], "::ffff:10.0.0.1", "no secret, an IPv4-mapped non-loopback"),
        (["JWT_SECRET": Environment.developmentJWTSecret], "0.0.0.0", "the published development secret set explicitly"),
    ])
    func theDevelopmentSecretBeyondLoopbackIsRefusedNamingBothVariables(_ secret: [String: String], _ host: String,
                                                                       _ why: String) throws {
        let folder = try TemporaryFolder("secret")
        defer { folder.remove() }
        let environment = Environment(Self.values(folder, secret.merging(["HOST": host]) { $1 }))
        for read in [{ _ = try AuthConfig(environment: environment) }, { _ = try TradeConfig(environment: environment) },
                     { _ = try GatewayConfig(environment: environment) }] as [() throws -> Void] {
            do {
                try read()
                Issue.record("\(why): HOST=\(host) accepted")
            } catch let error as ConfigError {
                #expect(error.description.contains("JWT_SECRET ") && error.description.contains("JWT_SECRET_FILE"),
                        "\(why): \(error)")
                #expect(error.description.contains(host) && !error.description.contains("\n"), "\(why): \(error)")
            }
        }
    }

    @Test func aProcessWithNoSecretToldToListenBeyondLoopbackExits2WithOneLine() async throws {
        let folder = try TemporaryFolder("secret-process")
        defer { folder.remove() }
        for name in ["auth", "trade", "gateway"] {
            let process = try await ServiceProcess(name, environment: [
                "HOST": "0.0.0.0", "JWT_SECRET": "", "JWT_SECRET_FILE": "", "DATABASE_PATH": folder.path + "/\(name).sqlite",
            ], logFolder: folder.path, waitForHealth: false)
            let exited = await process.waitForExit(timeout: .seconds(10))
            if !exited { await process.stop() }
            #expect(exited && process.exitStatus == 2, "\(name): \(process.log)")
            let lines = process.log.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains("JWT_SECRET_FILE") && lines[0].contains("JWT_SECRET "),
                    "\(name): \(lines)")
        }
    }

    @Test func aProcessSignsWithTheKeyInJWTSecretFile() async throws {
        let folder = try TemporaryFolder("secret-process")
        defer { folder.remove() }
        let path = Self.file(folder, Self.key + "\n")
        let auth = try await ServiceProcess("auth", environment: [
            "JWT_SECRET": "", "JWT_SECRET_FILE": path, "SCRYPT_LOG_N": "10", "DATABASE_PATH": folder.path + "/auth.sqlite",
        ], logFolder: folder.path)
        try await auth.stopAfter {
            let client = TestClient(port: auth.port)
            let credentials = #"{"username":"filekey","password":"password1"}"#
            #expect(try await client.post("/auth/register", json: credentials).status == 201)
            let login = try await client.post("/auth/login", json: credentials)
            let token = try #require(login.string("access_token"))
            let user = try await TokenService(secret: Self.key).verify(token)
            #expect(user.username == "filekey")
            await #expect(throws: (any Error).self, "not signed with the development secret") {
                _ = try await TokenService(secret: Environment.developmentJWTSecret).verify(token)
            }
        }
    }
}
