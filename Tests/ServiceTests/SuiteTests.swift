import Foundation
import Testing
import TestSupport

/// The whole suite, four real processes on loopback, used the way a client uses it: everything
/// through the gateway's one port (API.md).
@Suite(.serialized)
struct SuiteTests {
    private static func isRFC3339(_ text: String?) -> Bool {
        text?.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/#) != nil
    }

    // MARK: the walkthrough

    @Test func walkthroughFromRegistrationToTransactionsWithExactMoney() async throws {
        let provider = try FakeProvider()
        defer { provider.stop() }
        // 187.4325 × 2 = 374.865: a tie, half-even to 374.86 (half-up would say 374.87).
        provider.setQuote(symbol: "AAPL", price: "187.4325", day: "2026-11-24")
        let stock = ["API_KEY": "walkthrough-key", "STOCK_API_URL": provider.baseURL, "QUOTE_TTL_SECONDS": "0",
                     "PROVIDER_CALLS_PER_MINUTE": "0", "PROVIDER_CALLS_PER_DAY": "0"]
        try await SuiteProcesses.with(environment: ["stock": stock]) { suite in
            let client = suite.gateway()
            let username = SuiteProcesses.uniqueUsername("Walker")
            let credentials = #"{"username":"\#(username)","password":"walk the line 9"}"#

            let registered = try await client.post("/auth/register", json: credentials)
            try #require(registered.status == 201, "\(registered.text)")
            let userID = try #require(registered.int("id"))
            #expect(registered.string("username") == username)
            #expect(Self.isRFC3339(registered.string("created_at")), "\(registered.text)")

            let login = try await client.post("/auth/login", json: credentials)
            try #require(login.status == 200, "\(login.text)")
            #expect(login.string("token_type") == "Bearer")
            #expect(login.int("expires_in") == 3600)
            let token = try #require(login.string("access_token"))
            #expect(token.split(separator: ".").count == 3)

            let me = try await client.get("/auth/me", token: token)
            #expect(me.status == 200)
            #expect(me.int("id") == userID)
            #expect(me.string("username") == username)
            #expect(me.string("created_at") == registered.string("created_at"))

            let quote = try await client.get("/stocks/AAPL")
            #expect(quote.status == 200, "\(quote.text)")
            #expect(quote.string("symbol") == "AAPL")
            #expect(quote.string("price") == "187.4325")
            #expect(quote.string("currency") == "USD")
            #expect(quote.string("source") == "live")
            #expect(Self.isRFC3339(quote.string("as_of")), "\(quote.text)")
            #expect(provider.lastAPIKey == "walkthrough-key")

            let fresh = try await client.get("/trade/account", token: token)
            #expect(SuiteJSON.canonical(fresh.json) == SuiteJSON.canonical(["cash": "10000.00", "currency": "USD", "holdings_value": "0.00",
                                                   "total_value": "10000.00", "reserved": "0.00", "buying_power": "10000.00"]), "\(fresh.text)")

            let buy = try await client.post("/trade/buy", json: #"{"symbol":"aapl","quantity":2}"#, token: token)
            try #require(buy.status == 201, "\(buy.text)")
            #expect(buy.string("side") == "buy")
            #expect(buy.string("symbol") == "AAPL")
            #expect(buy.int("quantity") == 2)
            #expect(buy.string("price") == "187.4325")
            #expect(buy.string("total") == "374.86")
            #expect(buy.string("cash_after") == "9625.14")
            #expect(Self.isRFC3339(buy.string("executed_at")))
            #expect(buy.int("id") != nil)

            // 190.0050 × 1 = 190.005: another tie, to 190.00.
            provider.setQuote(symbol: "AAPL", price: "190.0050", day: "2026-11-25")
            let sell = try await client.post("/trade/sell", json: #"{"symbol":"AAPL","quantity":1}"#, token: token)
            try #require(sell.status == 201, "\(sell.text)")
            #expect(sell.string("side") == "sell")
            #expect(sell.int("quantity") == 1)
            #expect(sell.string("price").flatMap { Decimal(string: $0) } == Decimal(string: "190.005"), "\(sell.text)")
            #expect(sell.string("total") == "190.00")
            #expect(sell.string("cash_after") == "9815.14")
            #expect((sell.int("id") ?? 0) > (buy.int("id") ?? .max))

            // Valued at a third price: 191.2345 → market value 191.23; basis 374.86 − 187.43 = 187.43.
            provider.setQuote(symbol: "AAPL", price: "191.2345", day: "2026-11-26")
            let portfolio = try await client.get("/trade/portfolio", token: token)
            #expect(portfolio.status == 200, "\(portfolio.text)")
            let holdings = portfolio.json["holdings"] as? [[String: Any]] ?? []
            #expect(holdings.count == 1, "\(portfolio.text)")
            #expect(SuiteJSON.canonical(holdings.first) == SuiteJSON.canonical([
                "symbol": "AAPL", "quantity": 1, "avg_cost": "187.4300", "cost_basis": "187.43", "price": "191.2345",
                "market_value": "191.23", "unrealized_pl": "3.80",
            ] as [String: Any]), "\(portfolio.text)")
            #expect(portfolio.string("cash") == "9815.14")
            #expect(portfolio.string("total_value") == "10006.37")
            #expect(portfolio.json["prices_stale"] == nil || portfolio.json["prices_stale"] as? Bool == false)

            let account = try await client.get("/trade/account", token: token)
            #expect(SuiteJSON.canonical(account.json) == SuiteJSON.canonical(["cash": "9815.14", "currency": "USD", "holdings_value": "191.23",
                                                     "total_value": "10006.37", "reserved": "0.00", "buying_power": "9815.14"]), "\(account.text)")

            let transactions = try await client.get("/trade/transactions", token: token)
            #expect(transactions.status == 200, "\(transactions.text)")
            let items = transactions.json["transactions"] as? [[String: Any]] ?? []
            #expect(SuiteJSON.canonical(items) == SuiteJSON.canonical([sell.json, buy.json]),
                    "newest first, each exactly as executed: \(transactions.text)")
            #expect(transactions.json["next"] is NSNull, "\(transactions.text)")
            #expect(provider.callCount(function: "GLOBAL_QUOTE", symbol: "AAPL") >= 4,
                    "every price came from the provider (TTL 0)")
        }
    }

    // MARK: the contract checker

    /// The package root: the nearest folder above this file holding `Package.swift`.
    static func packageRoot(from file: String = #filePath) -> URL? {
        var folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        for _ in 0..<10 {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) { return folder }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    @Test func contractCheckerPassesAgainstTheGateway() async throws {
        let root = try #require(Self.packageRoot(), "no Package.swift above \(#filePath)")
        let checker = root.appendingPathComponent("Tests/contract/check_contract.py").path
        try #require(FileManager.default.fileExists(atPath: checker), "missing \(checker)")
        let dependencies = try await SuiteCommand.run(
            ["python3", "-c", "import yaml, jsonschema, openapi_spec_validator, referencing"], timeout: .seconds(30))
        try #require(dependencies.status == 0, """
            The contract checker's Python dependencies are missing; install them with
            `python3 -m pip install -r Tests/contract/requirements.txt`. python3 said:
            \(dependencies.output)
            """)
        let gateway = ["RATE_LIMIT_RPS": "100", "RATE_LIMIT_BURST": "200"]
        try await SuiteProcesses.with(environment: ["gateway": gateway]) { suite in
            let run = try await SuiteCommand.run(
                ["python3", checker, "--base-url", "http://127.0.0.1:\(suite.gatewayPort)", "--total-timeout", "120"],
                currentDirectory: root.path, timeout: .seconds(150))
            let failures = run.output.split(separator: "\n").filter { $0.hasPrefix("FAIL") }.joined(separator: "\n")
            #expect(run.status == 0, """
                check_contract.py exited \(run.status).
                Failures:
                \(failures)
                Full output:
                \(run.output)
                """)
            #expect(run.output.contains(" passed, 0 failed"), "\(run.output)")
        }
    }

    // MARK: the README's curl session

    @Test func readmeWalkthroughScriptRunsAgainstTheSuite() async throws {
        let root = try #require(Self.packageRoot(), "no Package.swift above \(#filePath)")
        try await SuiteProcesses.with(environment: [:]) { suite in
            let run = try await SuiteCommand.run(
                ["env", "BASE=http://127.0.0.1:\(suite.gatewayPort)", "bash", "scripts/walkthrough"],
                currentDirectory: root.path, timeout: .seconds(60))
            #expect(run.status == 0, "scripts/walkthrough exited \(run.status):\n\(run.output)")
            #expect(run.output.contains("walkthrough ok"), "\(run.output)")
            #expect(run.output.contains("\"side\":\"sell\""), "\(run.output)")
        }
    }
}
