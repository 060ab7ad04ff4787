import Foundation
import GRDB
import HTTP
import Routing
import ServiceKit
import TestSupport
import Testing
@testable import GatewayService
@testable import TradeService

/// Trade sharded by account (issue 28), as real processes on loopback: four trade shards, each
/// its own SQLite file and slots, behind one gateway that routes by the token's user.
@Suite(.serialized) struct TradeShardTests {
    static let symbols = ["AAPL", "MSFT", "KO"]

    /// 40 users with ids 1…40: their slots (FNV-1a of the decimal id) land on every shard of four.
    static let users: [Int64] = Array(1...40)

    static func token(_ suite: ShardedSuite, _ user: Int64) async throws -> String {
        try await TokenService(secret: suite.secret).issue(userID: user, username: "user\(user)", ttlSeconds: 600)
    }

    static func owner(_ user: Int64, _ slots: [String]) throws -> Int {
        let map = try ShardMap(parsing: slots.enumerated().map { "\($1)=http://127.0.0.1:\(1000 + $0)" }.joined(separator: " "),
                               variable: "TRADE_SHARDS")
        return map.shardIndex(of: user)
    }

    static func buy(_ client: TestClient, _ token: String, key: String, symbol: String = "AAPL") async throws -> TestClient.Reply {
        var headers = HTTPHeaders()
        headers.add("Idempotency-Key", key)
        return try await client.post("/trade/buy", json: #"{"symbol":"\#(symbol)","quantity":1}"#, token: token, headers: headers)
    }

    /// Rows of `user` in shard `index`'s file, read beside the running process.
    static func rows(_ suite: ShardedSuite, shard index: Int, user: Int64) throws -> Int {
        let queue = try DatabaseQueue(path: suite.databasePath(index), configuration: { var c = Configuration(); c.readonly = true; return c }())
        defer { try? queue.close() }
        return try queue.read { db in
            try ["accounts", "holdings", "transactions", "idempotency_keys"].reduce(0) { sum, table in
                sum + (try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table) WHERE user_id = ?", arguments: [user]) ?? 0)
            }
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func fourShardsSpreadUsersKeepEachUsersOrdersOnOneShardAndRefuseForgedRequests() async throws {
        let slots = ShardedSuite.evenSlots(4)
        try await ShardedSuite.with(slots: slots) { suite in
            let owners = try Self.users.map { try Self.owner($0, slots) }
            #expect(Set(owners) == [0, 1, 2, 3], "users 1…40 spread over every shard: \(owners)")
            let client = suite.client()
            let replies = try await TradeParallel.run(count: Self.users.count * 3, width: 16) { index in
                let user = Self.users[index % Self.users.count]
                return try await Self.buy(client, try await Self.token(suite, user), key: "k\(index)",
                                          symbol: Self.symbols[index % Self.symbols.count])
            }
            #expect(replies.allSatisfy { $0.status == 201 }, "\(Set(replies.map(\.status))) \(suite.logs)")

            for (user, owner) in zip(Self.users, owners) {
                let token = try await Self.token(suite, user)
                // Through the gateway: three orders, reconciled to the cent from the log.
                let report = try await TradeLedgerChecker(client: client, initialCash: "100000.00").check(token: token)
                #expect(report.problems.isEmpty && report.transactions.count == 3, "user \(user): \(report)")
                // On its shard directly: the same three; on every other: refused, and nothing there.
                let direct = try await suite.shardClient(owner).get("/trade/transactions", token: token)
                #expect((direct.json["transactions"] as? [Any])?.count == 3)
                for other in 0..<4 where other != owner {
                    #expect(try Self.rows(suite, shard: other, user: user) == 0, "user \(user) has rows on shard \(other)")
                }
            }

            // A request forged to the wrong shard (around the gateway, valid token): 421, nothing changed.
            let user = Self.users[0]
            let wrong = (owners[0] + 1) % 4
            let token = try await Self.token(suite, user)
            let shard = suite.shardClient(wrong)
            for reply in [try await Self.buy(shard, token, key: "forged"), try await shard.get("/trade/account", token: token),
                          try await shard.get("/trade/portfolio", token: token)] {
                #expect(reply.status == 421 && reply.string("type") == "/problems/wrong-shard", "\(reply.status) \(reply.text)")
                #expect(reply.headers["Content-Type"] == "application/problem+json")
            }
            #expect(try Self.rows(suite, shard: wrong, user: user) == 0, "a refused request created nothing")
            let after = try await TradeLedgerChecker(client: client, initialCash: "100000.00").check(token: token)
            #expect(after.transactions.count == 3)
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func sigkillOfOneShardFailsOnlyItsUsersWith503() async throws {
        let slots = ShardedSuite.evenSlots(4)
        try await ShardedSuite.with(slots: slots) { suite in
            let owners = try Self.users.map { try Self.owner($0, slots) }
            let client = suite.client()
            for (index, user) in Self.users.enumerated() {
                #expect(try await Self.buy(client, try await Self.token(suite, user), key: "before-\(index)").status == 201)
            }
            let killed = 2
            suite.trades[killed].signal(SIGKILL)
            #expect(await suite.trades[killed].waitForExit(timeout: .seconds(10)))

            for (index, (user, owner)) in zip(Self.users, owners).enumerated() {
                let token = try await Self.token(suite, user)
                let order = try await Self.buy(client, token, key: "after-\(index)")
                let account = try await client.get("/trade/account", token: token)
                if owner == killed {
                    for reply in [order, account] {
                        #expect(reply.status == 503 && reply.string("type") == "/problems/service-unavailable",
                                "user \(user): \(reply.status) \(reply.text)")
                        #expect(reply.headers["Retry-After"] == "5")
                    }
                } else {
                    #expect(order.status == 201 && account.status == 200, "user \(user) on shard \(owner): \(order.status) \(account.status)")
                }
            }
            let health = try await client.get("/health")
            #expect(health.status == 503 && (health.json["services"] as? [String: String])?["trade-2"] == "down", "\(health.text)")

            // Back on the same file: its users' orders are all there, and the refused ones changed nothing.
            try await suite.restartTrade(killed)
            for (user, owner) in zip(Self.users, owners) where owner == killed {
                let report = try await TradeLedgerChecker(client: client, initialCash: "100000.00")
                    .check(token: try await Self.token(suite, user))
                #expect(report.problems.isEmpty && report.transactions.count == 1, "user \(user): \(report)")
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aMapThatLeavesASlotUnownedOrOwnedTwiceStopsTheProcessWithExit2NamingTheVariable() async throws {
        let folder = try TemporaryFolder("shard-config")
        defer { folder.remove() }
        let cases: [(String, [String: String], String)] = [
            ("gateway", ["TRADE_SHARDS": "0-511=http://127.0.0.1:7001 500-1023=http://127.0.0.1:7002"], "TRADE_SHARDS"),
            ("gateway", ["TRADE_SHARDS": "0-511=http://127.0.0.1:7001"], "TRADE_SHARDS"),
            ("gateway", ["TRADE_SHARDS": "0-1023=http://127.0.0.1:7001", "TRADE_URL": "http://127.0.0.1:7001"], "TRADE_SHARDS"),
            ("trade", ["TRADE_SLOTS": "0-1024", "DATABASE_PATH": folder.path + "/t.sqlite"], "TRADE_SLOTS"),
            ("trade", ["TRADE_SLOTS": "3,3", "DATABASE_PATH": folder.path + "/t.sqlite"], "TRADE_SLOTS"),
        ]
        for (name, environment, variable) in cases {
            let process = try await ServiceProcess(name, environment: environment, logFolder: folder.path, waitForHealth: false)
            #expect(await process.waitForExit(timeout: .seconds(10)))
            #expect(process.exitStatus == 2 && process.log.contains("configuration error: \(variable) "), "\(environment): \(process.log)")
        }
    }

    /// The shard outcomes render their kinds, and every 503 says when to come back.
    @Test func shardOutcomesRenderTheirKinds() {
        let cases: [any ProblemOutcome] = [ShardRejection.wrongShard(slot: 3), ShardRejection.slotMoving(slot: 3),
                                           GatewayRejection.shardUnavailable(shard: "trade-2")]
        for outcome in cases {
            let response = HTTPResponse.problem(for: outcome)
            #expect(response.status == outcome.problemType.status)
            #expect((outcome.problemType.status == 503) == (outcome.headers["Retry-After"] == "5"), "\(outcome)")
        }
        #expect(ShardRejection.wrongShard(slot: 3).problemType == TradeProblems.wrongShard)
        // A shard that cannot be reached is 503 whether the connect was refused or never answered
        // (a stopped container's address); a response that did not come in time stays 504.
        for error in [HTTPClientError.connectFailed, .connectTimedOut, .connectionFailed, .badResponse] {
            #expect(ReverseProxy.rejection(for: error, upstream: "trade-1", unreachableIsUnavailable: true).problemType.status == 503, "\(error)")
        }
        #expect(ReverseProxy.rejection(for: .timedOut, upstream: "trade-1", unreachableIsUnavailable: true).problemType.status == 504)
        #expect(ReverseProxy.rejection(for: .connectTimedOut, upstream: "auth", unreachableIsUnavailable: false).problemType.status == 504)
        #expect(ReverseProxy.rejection(for: .connectFailed, upstream: "auth", unreachableIsUnavailable: false).problemType.status == 502)
        #expect(TradeProblems.wrongShard.status == 421 && TradeProblems.all.contains(TradeProblems.wrongShard))
    }
}
