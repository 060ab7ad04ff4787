import AuthService
import Foundation
import GatewayService
import Logging
import Money
import ServiceKit
import StockService
import TestSupport
import Testing
import TradeService

/// The four services' configs side by side (API.md "Configuration"): every bad value is a `ConfigError`
/// naming its variable; good values and defaults come through exactly. `Environment`'s own getters
/// are tested in ServiceKitTests (`EnvironmentTests`).
@Suite struct ConfigTests {
    /// What to read from an environment.
    enum Reader: String, Sendable, CaseIterable {
        case auth, stock, trade, gateway
    }

    /// Reads `reader` from `values`, with a writable `DATABASE_PATH` unless the row sets one.
    static func read(_ reader: Reader, _ values: [String: String], folder: TemporaryFolder) throws {
        var values = values
        if values["DATABASE_PATH"] == nil { values["DATABASE_PATH"] = folder.path + "/db/x.sqlite" }
        let environment = Environment(values)
        switch reader {
        case .auth: _ = try AuthConfig(environment: environment)
        case .stock: _ = try StockConfig(environment: environment)
        case .trade: _ = try TradeConfig(environment: environment)
        case .gateway: _ = try GatewayConfig(environment: environment)
        }
    }

    /// `(reader, variable, value, why)`: each must throw `ConfigError` naming `variable`.
    /// `{file}` in a value is replaced by a regular file's path.
    static let refusals: [(Reader, String, String, String)] = [
        (.auth, "PORT", "abc", "auth reads PORT"),
        (.auth, "JWT_SECRET", "short", "auth reads JWT_SECRET"),
        (.auth, "TOKEN_TTL_SECONDS", "0", "a zero lifetime"),
        (.auth, "TOKEN_TTL_SECONDS", "1h", "a unit suffix"),
        (.auth, "LOGIN_MAX_FAILURES", "0", "zero failures"),
        (.auth, "LOGIN_LOCKOUT_SECONDS", "-60", "negative"),
        (.auth, "SCRYPT_LOG_N", "9", "below 10"),
        (.auth, "SCRYPT_LOG_N", "21", "above 20"),
        (.auth, "MAX_BODY_BYTES", "0", "a zero body limit"),
        (.auth, "DATABASE_PATH", "{file}/sub/auth.sqlite", "auth reads DATABASE_PATH"),
        (.stock, "STOCK_SYMBOLS", "AAPL,B@D,MSFT", "a bad symbol"),
        (.stock, "STOCK_SYMBOLS", "AAPL,ABCDEFGHIJK", "an 11-character symbol"),
        (.stock, "PROVIDER_TIMEOUT_MS", "abc", "a word"),
        (.stock, "PROVIDER_TIMEOUT_MS", "0", "zero"),
        (.stock, "QUOTE_TTL_SECONDS", "-1", "negative"),
        (.stock, "STOCK_API_URL", "ftp://example.com/query", "not http(s)"),
        (.trade, "INITIAL_CASH", "10.001", "three decimals"),
        (.trade, "INITIAL_CASH", "-5", "negative"),
        (.trade, "INITIAL_CASH", "abc", "a word"),
        (.trade, "INITIAL_CASH", "1e4", "an exponent"),
        (.trade, "INITIAL_CASH", "+10.00", "a plus sign"),
        (.trade, "INITIAL_CASH", "10,000.00", "a thousands separator"),
        (.trade, "UPSTREAM_TIMEOUT_MS", "0", "zero"),
        (.trade, "STOCK_URL", "127.0.0.1:5002", "no scheme"),
        (.trade, "IDEMPOTENCY_TTL_SECONDS", "0", "zero"),
        (.gateway, "UPSTREAM_TIMEOUT_MS", "0", "zero"),
        (.gateway, "AUTH_URL", "http://127.0.0.1", "no port"),
        (.gateway, "RATE_LIMIT_RPS", "-1", "negative"),
        (.auth, "MAX_CONNECTIONS", "0", "no connection could be served"),
        (.stock, "MAX_CONNECTIONS", "10k", "a unit suffix"),
        (.trade, "MAX_CONNECTIONS_PER_PEER", "-1", "negative"),
        (.gateway, "MAX_CONNECTIONS_PER_PEER", "many", "a word"),
        (.gateway, "MAX_BUFFERED_BODY_BYTES", "0", "no body could be read"),
        (.auth, "MAX_BUFFERED_BODY_BYTES", "1048576", "three quarters of it cannot hold one MAX_BODY_BYTES body"),
    ]

    @Test(arguments: refusals)
    func aBadValueThrowsAConfigErrorNamingTheVariable(_ reader: Reader, _ variable: String, _ value: String,
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
    static let acceptances: [(Reader, [String: String], String)] = [
        (.stock, ["STOCK_SYMBOLS": "aapl, brk.b ,BF-B"], "lower case and spaces around commas"),
        (.trade, ["INITIAL_CASH": "0.00"], "zero cash"),
        (.trade, ["INITIAL_CASH": "25000"], "whole dollars"),
        (.gateway, ["RATE_LIMIT_RPS": "0"], "rate limiting off"),
        (.gateway, ["MAX_CONNECTIONS_PER_PEER": "0"], "no per-client limit"),
        (.auth, ["MAX_BODY_BYTES": "67108864"], "a larger body limit raises the default body budget with it"),
        (.trade, ["MAX_BUFFERED_BODY_BYTES": "1398102"], "the smallest budget that holds one default body"),
    ]

    @Test(arguments: acceptances)
    func aGoodValueIsAccepted(_ reader: Reader, _ values: [String: String], _ why: String) throws {
        let folder = try TemporaryFolder("config")
        defer { folder.remove() }
        #expect(throws: Never.self, "\(why)") { try Self.read(reader, values, folder: folder) }
    }

    @Test func valuesComeThroughExactly() throws {
        let folder = try TemporaryFolder("config")
        defer { folder.remove() }
        let path = folder.path + "/new/deeper/auth.sqlite"
        let auth = try AuthConfig(environment: Environment([
            "PORT": "6001", "HOST": "127.0.0.1", "DATABASE_PATH": path, "JWT_SECRET": String(repeating: "k", count: 32),
            "TOKEN_TTL_SECONDS": "900", "LOGIN_MAX_FAILURES": "3", "LOGIN_LOCKOUT_SECONDS": "2", "SCRYPT_LOG_N": "12",
            "LOG_LEVEL": "debug", "MAX_BODY_BYTES": "2048",
        ]))
        #expect(auth.common.port == 6001 && auth.common.host == "127.0.0.1")
        #expect(auth.common.logLevel == .debug && auth.common.maxBodyBytes == 2048)
        #expect(auth.databasePath == path)
        #expect(FileManager.default.fileExists(atPath: folder.path + "/new/deeper"), "the parent folder is created")
        #expect(auth.jwtSecret == String(repeating: "k", count: 32) && !auth.jwtSecretIsDevelopmentDefault)
        #expect(auth.tokenTTLSeconds == 900 && auth.loginMaxFailures == 3 && auth.loginLockoutSeconds == 2)
        #expect(auth.scryptLogN == 12)

        let stock = try StockConfig(environment: Environment([
            "DATABASE_PATH": folder.path + "/stock.sqlite", "API_KEY": "k", "STOCK_API_URL": "http://127.0.0.1:9/q",
            "PROVIDER_TIMEOUT_MS": "300", "QUOTE_TTL_SECONDS": "0", "STOCK_SYMBOLS": "ibm,brk.b",
            "CURL_LIBRARY": "/opt/curl/lib/libcurl.so.4",
        ]))
        #expect(stock.curlLibrary == "/opt/curl/lib/libcurl.so.4")
        #expect(stock.apiKey == "k" && stock.providerURL == "http://127.0.0.1:9/q")
        #expect(stock.providerTimeoutMs == 300 && stock.quoteTTLSeconds == 0)
        #expect(stock.trackedSymbols == ["IBM", "BRK.B"])

        let trade = try TradeConfig(environment: Environment([
            "DATABASE_PATH": folder.path + "/trade.sqlite", "INITIAL_CASH": "1234.50", "UPSTREAM_TIMEOUT_MS": "750",
            "STOCK_URL": "http://127.0.0.1:6002",
        ]))
        #expect(trade.initialCash == Cents(parsing: "1234.50"))
        #expect(trade.initialCash.minorUnits == 123_450)
        #expect(trade.initialCash.description == "1234.50")
        #expect(trade.upstreamTimeoutMs == 750)
        #expect(trade.stockURL == ServiceURL("http://127.0.0.1:6002"))
    }

    @Test func defaultsAreTheContracts() throws {
        let folder = try TemporaryFolder("config")
        defer { folder.remove() }
        let auth = try AuthConfig(environment: Environment(["DATABASE_PATH": folder.path + "/a.sqlite"]))
        // No secret: the development one, so loopback only (API.md "Configuration"); stock keeps 0.0.0.0.
        #expect(auth.common.port == 5001 && auth.common.host == "127.0.0.1")
        #expect(auth.common.logLevel == .info && auth.common.maxBodyBytes == 1_048_576)
        #expect(auth.tokenTTLSeconds == 3600 && auth.loginMaxFailures == 5 && auth.loginLockoutSeconds == 60)
        #expect(auth.scryptLogN == 15)
        #expect(auth.jwtSecretIsDevelopmentDefault, "no JWT_SECRET: the development secret, flagged")
        #expect(auth.jwtSecret.utf8.count >= 32)

        let stock = try StockConfig(environment: Environment(["DATABASE_PATH": folder.path + "/s.sqlite"]))
        #expect(stock.common.port == 5002 && stock.common.host == "0.0.0.0")
        #expect(stock.apiKey == nil && stock.curlLibrary == nil)
        #expect(stock.providerURL == "https://www.alphavantage.co/query")
        #expect(stock.providerTimeoutMs == 3000 && stock.quoteTTLSeconds == 60)
        #expect(stock.trackedSymbols == ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA", "JPM", "V", "KO"])

        let trade = try TradeConfig(environment: Environment(["DATABASE_PATH": folder.path + "/t.sqlite"]))
        #expect(trade.common.port == 5003)
        #expect(trade.initialCash.description == "10000.00")
        #expect(trade.idempotencyTTLSeconds == 86_400 && trade.upstreamTimeoutMs == 5000)
        #expect(trade.stockURL == ServiceURL("http://127.0.0.1:5002"))

        let gateway = try GatewayConfig(environment: Environment([:]))
        #expect(gateway.common.port == 5000)
        #expect(gateway.authURL == ServiceURL("http://127.0.0.1:5001"))
        #expect(gateway.tradeURL == ServiceURL("http://127.0.0.1:5003"))
        #expect(gateway.upstreamTimeoutMs == 5000 && gateway.rateLimitRPS == 100 && gateway.rateLimitBurst == 200)
        // Issue 22: memory limits, every process; only the gateway limits connections per client.
        for common in [auth.common, stock.common, trade.common, gateway.common] {
            #expect(common.connectionsMax == 10_000 && common.bufferedBodyBytesMax == 32 * 1_048_576)
        }
        #expect(gateway.common.connectionsPerPeerMax == 512)
        #expect([auth.common, stock.common, trade.common].allSatisfy { $0.connectionsPerPeerMax == 0 })
    }
}
