import Foundation
import GRDB
import HTTP
import ServiceKit
import Testing
import TestSupport

/// What the gateway may do with an order (issue 22, item 12): resend a POST only where the service
/// honours `Idempotency-Key`, and never answer 504 for an order that then executes.
@Suite(.serialized)
struct GatewayOrderSafetyTests {
    // MARK: which POSTs may be resent

    /// In order, through one gateway loop (one pool per upstream). Each upstream answers the first
    /// request of a connection and drops the second unanswered, so every keyed request below meets a
    /// pooled connection that closes before any answer byte: resent only where the key is honoured.
    private static let resendRows: [(upstream: String, target: String, key: String?, status: Int, upstreamSaw: Int, why: String)] = [
        ("auth", "/auth/register", nil, 200, 1, "a new connection, answered, then pooled"),
        ("auth", "/auth/register", "register-key", 502, 2, "register does not honour the key: not resent"),
        ("auth", "/auth/login", nil, 200, 3, "a new connection again"),
        ("auth", "/auth/login", "login-key", 502, 4, "login does not honour the key: not resent"),
        ("trade", "/trade/buy", nil, 200, 1, "a new connection, pooled"),
        ("trade", "/trade/buy", "buy-key", 200, 3, "buy honours the key: resent once on a new connection"),
        ("trade", "/trade/sell", "sell-key", 200, 5, "sell honours the key: resent"),
        ("trade", "/trade/transactions", "other-key", 502, 6, "a trade path that stores no answer: not resent"),
        ("trade", "/trade/buy", nil, 200, 7, "a new connection"),
        ("trade", "/trade/buy/", "slash-key", 502, 8, "not the route's exact path: not resent"),
        ("trade", "/trade/buy", nil, 200, 9, "a new connection"),
    ]

    @Test func onlyRoutesThatHonourIdempotencyKeyAreResent() async throws {
        let auth = try SuiteEchoUpstream(.dropsSecondRequest)
        let trade = try SuiteEchoUpstream(.dropsSecondRequest)
        let stock = try SuiteEchoUpstream(.echo)
        defer { [auth, trade, stock].forEach { $0.stop() } }
        try await SuiteProcesses.with(environment: ["gateway": ["EVENT_LOOPS": "1"]],
                                      replacing: ["auth": auth.url, "stock": stock.url, "trade": trade.url]) { suite in
            let token = try await TokenService(secret: suite.secret).issue(userID: 7, username: "alice", ttlSeconds: 600)
            let client = suite.gateway()
            for row in Self.resendRows {
                var headers = HTTPHeaders()
                if let key = row.key { headers.add("Idempotency-Key", key) }
                let reply = try await client.post(row.target, json: #"{"symbol":"AAPL","quantity":1}"#,
                                                  token: row.upstream == "trade" ? token : nil, headers: headers)
                #expect(reply.status == row.status, "\(row.target) \(row.why): \(reply.status) \(reply.text)")
                let saw = row.upstream == "auth" ? auth.requestCount : trade.requestCount
                #expect(saw == row.upstreamSaw, "\(row.target) \(row.why)")
            }
            // A key the client names in `Connection` is hop-by-hop: dropped, so not a reason to resend.
            let stripped = try await SuiteRawHTTP.sendAsync(
                "POST", "/trade/buy", port: suite.gatewayPort,
                headers: [("Connection", "Idempotency-Key"), ("Idempotency-Key", "stripped-key"),
                          ("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                body: #"{"symbol":"AAPL","quantity":1}"#).get()
            #expect(stripped.status == 502, "\(stripped.status) \(stripped.text)")
            #expect(trade.requestCount == 10, "dropped once, not repeated")
        }
    }

    // MARK: no 504 for an order that executes

    /// Gateway and trade share `UPSTREAM_TIMEOUT_MS`, as in compose.
    static let timeoutMs = 800

    /// Orders through the gateway while the price lookup is slow or trade's database is locked by
    /// another writer: each answer is 201 (executed) or a problem with nothing executed, never a
    /// 504 for an order trade then executes.
    @Test(.timeLimit(.minutes(2)))
    func aSlowStockOrALockedLedgerNeverMakesA504ForAnOrderThatExecutes() async throws {
        let provider = try FakeProvider()
        defer { provider.stop() }
        provider.setQuote(symbol: "AAPL", price: "100.0000", day: "2026-11-24")
        let timeout = ["UPSTREAM_TIMEOUT_MS": String(Self.timeoutMs)]
        let stock = ["API_KEY": "k", "STOCK_API_URL": provider.baseURL, "QUOTE_TTL_SECONDS": "0",
                     "PROVIDER_TIMEOUT_MS": "5000", "PROVIDER_CALLS_PER_MINUTE": "0", "PROVIDER_CALLS_PER_DAY": "0"]
        try await SuiteProcesses.with(environment: ["stock": stock, "trade": timeout, "gateway": timeout]) { suite in
            let token = try await suite.registerAndLogin(SuiteProcesses.uniqueUsername("slow"))
            let gateway = suite.gateway()
            let trade = TestClient(port: suite.ports["trade"]!, timeout: .seconds(10))
            // (provider delay, how long another writer holds trade's database, why)
            let rows: [(Int, Int, String)] = [
                (0, 0, "fast: executes"),
                (0, Self.timeoutMs * 3 / 2, "the ledger locked past the budget, then free"),
                (Self.timeoutMs - 150, 0, "a price just inside the budget"),
                (Self.timeoutMs - 40, 0, "a price at the edge of the budget"),
                (Self.timeoutMs + 300, 0, "a price later than the budget"),
            ]
            var executedSoFar = 0
            for (index, (delayMs, lockMs, why)) in rows.enumerated() {
                provider.setMode(delayMs > 0 ? .delay(milliseconds: delayMs) : .normal)
                let blocker = lockMs > 0 ? try await Self.lockTradeDatabase(suite) : nil
                let unlock = Task {
                    try await Task.sleep(for: .milliseconds(lockMs))  // kept: how long the lock is held is the row's scenario
                    if let blocker {
                        try await blocker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
                        try blocker.close()
                    }
                }
                var headers = HTTPHeaders()
                headers.add("Idempotency-Key", "slow-\(index)")
                let reply = try await gateway.post("/trade/buy", json: #"{"symbol":"AAPL","quantity":1}"#,
                                                   token: token, headers: headers)
                try await unlock.value
                // Kept: whatever trade was still doing has finished by now (its budget, the lock, a commit):
                // the real process's own deadline, and what is checked is that nothing more happens.
                try await Task.sleep(for: .milliseconds(Self.timeoutMs + 700))
                let executed = try await Self.transactionCount(trade, token: token)
                #expect(reply.status != 504, "\(why): the gateway gave up first: \(reply.text)")
                if reply.status == 201 {
                    #expect(executed == executedSoFar + 1, "\(why)")
                } else {
                    #expect(reply.status == 503, "\(why): \(reply.status) \(reply.text)")
                    #expect(executed == executedSoFar, "\(why): answered \(reply.status) but the order executed")
                }
                if index == 0 { #expect(reply.status == 201, "\(reply.text)") }
                if index == 1 { #expect(reply.string("type") == "/problems/service-unavailable", "\(why): \(reply.text)") }
                if index == 4 { #expect(reply.string("type") == "/problems/price-unavailable", "\(why): \(reply.text)") }
                executedSoFar = executed
            }
        }
    }

    /// Another connection to trade's SQLite file that holds the write lock until rolled back.
    private static func lockTradeDatabase(_ suite: SuiteProcesses) async throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // the lock is held across two accesses on purpose
        let blocker = try DatabaseQueue(path: suite.folder.path + "/trade.sqlite", configuration: configuration)
        try await blocker.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        return blocker
    }

    private static func transactionCount(_ trade: TestClient, token: String) async throws -> Int {
        let page = try await trade.get("/trade/transactions?limit=100", token: token)
        try #require(page.status == 200, "\(page.text)")
        return (page.json["transactions"] as? [Any])?.count ?? -1
    }
}
