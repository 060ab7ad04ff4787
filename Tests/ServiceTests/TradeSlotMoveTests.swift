import Foundation
import HTTP
import ServiceKit
import Synchronization
import TestSupport
import Testing

/// Moving account slots between trade shards under load (issue 28): `scripts/move-slots` freezes,
/// exports, imports, verifies, adopts and releases while users keep ordering; then the gateway is
/// restarted with the new map. Every order acknowledged is in its account exactly once, every
/// retried key executed once, and every account reconciles to the cent.
@Suite(.serialized) struct TradeSlotMoveTests {
    static let slots = ["0-511", "512-1023"]

    /// Users of slot `slot` among ids 1…20000 (the FNV-1a slot spreads them about 20 a slot).
    static func users(in slot: Int, count: Int) -> [Int64] {
        Array((1...20_000).lazy.filter { AccountSlot.of(userID: $0) == slot }.prefix(count))
    }

    /// Sends the order with `key` until an answer other than 503 (or a dropped connection while the
    /// gateway restarts) comes back: a client retrying as the API allows, with the same key.
    static func order(_ client: TestClient, _ token: String, key: String, symbol: String) async throws
        -> (reply: TestClient.Reply, refused: Int) {
        var headers = HTTPHeaders()
        headers.add("Idempotency-Key", key)
        var refused = 0  // 503s (the slot frozen or released); a dropped connection (the gateway restarting) is not counted
        for _ in 0..<600 {  // 30 s at most
            let reply = try? await client.post("/trade/buy", json: #"{"symbol":"\#(symbol)","quantity":1}"#, token: token,
                                               headers: headers)
            if let reply, reply.status != 503 && reply.status != 502 { return (reply, refused) }
            if reply?.status == 503 { refused += 1 }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw NeverAnswered(key: key)
    }

    /// Runs `scripts/move-slots SLOTS` from shard 0 to shard 1 (at most 60 s); its exit status and output.
    static func moveSlots(_ slots: String, _ suite: ShardedSuite) async throws -> (status: Int32, output: String) {
        let root = try #require(SuiteTests.packageRoot())
        let log = suite.folder.path + "/move-\(UUID().uuidString).log"
        let script = try ChildProcess(executable: "/usr/bin/python3", arguments: [
            root.appendingPathComponent("scripts/move-slots").path, slots,
            "http://127.0.0.1:\(suite.adminPorts[0])", "http://127.0.0.1:\(suite.adminPorts[1])",
        ], environment: ProcessInfo.processInfo.environment, outputPath: log)
        let deadline = ContinuousClock.now + .seconds(60)
        while script.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return (script.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    struct NeverAnswered: Error {
        let key: String
    }

    @Test(.timeLimit(.minutes(4)))
    func aSlotMovedUnderLoadLosesAndDoublesNothing() async throws {
        let moving = 387  // user 42's slot, owned by shard 0
        let movers = Self.users(in: moving, count: 3)
        let stayers: [Int64] = [1, 2, 3, 5, 8, 13].filter { AccountSlot.of(userID: $0) != moving }
        try await ShardedSuite.with(slots: Self.slots) { suite in
            let client = suite.client()
            let everyone = movers + stayers
            let tokens = try await everyone.asyncMap { try await TokenService(secret: suite.secret).issue(userID: $0, username: "u\($0)", ttlSeconds: 600) }
            let moved = Flag()
            // Each user orders every 20 ms until the move is done and the gateway switched, then 5 more.
            let load = Task {
                try await withThrowingTaskGroup(of: (Int, [TestClient.Reply], Int).self) { group in
                    for (index, token) in tokens.enumerated() {
                        group.addTask {
                            var replies: [TestClient.Reply] = []
                            var refused = 0
                            var afterMove = 0
                            while afterMove < 5 && replies.count < 2_000 {
                                if moved.isSet { afterMove += 1 }
                                let (reply, retries) = try await Self.order(client, token, key: "move-\(replies.count)",
                                                                            symbol: replies.count % 2 == 0 ? "AAPL" : "KO")
                                replies.append(reply)
                                refused += retries
                                try await Task.sleep(for: .milliseconds(20))
                            }
                            return (index, replies, refused)
                        }
                    }
                    var all = [([TestClient.Reply], Int)](repeating: ([], 0), count: tokens.count)
                    for try await (index, replies, refused) in group { all[index] = (replies, refused) }
                    return all
                }
            }
            try await Task.sleep(for: .milliseconds(300))  // the load is under way
            let (status, output) = try await Self.moveSlots("\(moving)", suite)
            #expect(status == 0, "move-slots: \(output)")
            #expect(output.contains("verified \(movers.count) accounts to the cent"), "\(output)")

            // The source now refuses the moved slot (503 until the gateways switch); the destination serves it.
            let direct = try await suite.shardClient(0).get("/trade/account", token: tokens[0])
            #expect(direct.status == 503 && direct.headers["Retry-After"] == "5", "\(direct.status) \(direct.text)")
            var map = Self.slots
            map[0] = "0-386,388-511"
            map[1] = "387,512-1023"
            try await suite.restartGateway(map: map)
            moved.set()
            let replies = try await load.value

            for (index, user) in everyone.enumerated() {
                let (acknowledged, refused) = replies[index]
                if index < movers.count {
                    #expect(refused > 0, "user \(user) ordered while the slot moved: some orders were refused and retried")
                } else {
                    #expect(refused == 0, "user \(user), whose slot stayed, was never refused")
                }
                #expect(acknowledged.allSatisfy { $0.status == 201 }, "user \(user): \(acknowledged.map(\.status))")
                let executed = acknowledged.compactMap { TradeTransaction(body: $0.body) }
                #expect(Set(executed.map(\.id)).count == acknowledged.count, "user \(user): each key its own order")
                let report = try await TradeLedgerChecker(client: client, initialCash: "100000.00").check(token: tokens[index])
                #expect(report.problems.isEmpty, "user \(user): \(report)")
                #expect(report.transactions.count == acknowledged.count, "user \(user): \(report.transactions.count) transactions for \(acknowledged.count) orders")
                #expect(Set(report.transactions) == Set(executed), "user \(user): the log is exactly the acknowledged orders")
                let newestFirst = report.transactions.map(\.id)
                #expect(newestFirst == newestFirst.sorted(), "user \(user): ids still grow after the move")
            }
            // A moved user is served by the destination directly, and refused by the source.
            let destination = try await suite.shardClient(1).get("/trade/account", token: tokens[0])
            #expect(destination.status == 200)

            // The source's file remembers what it gave away: started again with its old TRADE_SLOTS it
            // refuses to start rather than serve the moved accounts from stale rows.
            await suite.trades[0].stop()
            let stale = try await suite.startTrade(0, slots: Self.slots[0], waitForHealth: false)
            #expect(await stale.waitForExit(timeout: .seconds(10)))
            #expect(stale.exitStatus == 2 && stale.log.contains("configuration error: TRADE_SLOTS")
                    && stale.log.contains("0-386,388-511"), "\(stale.log)")
            let current = try await suite.startTrade(0, slots: "0-386,388-511")
            let stayer = try #require(stayers.first { AccountSlot.of(userID: $0) < 512 })
            let served = try await suite.shardClient(0).get("/trade/account", token: tokens[everyone.firstIndex(of: stayer)!])
            #expect(served.status == 200)
            await current.stop()
        }
    }
    /// A move the destination refuses (it already serves the slot) changes nothing: the script exits 1
    /// and thaws the source, which takes the slot's orders again; the destination holds no row of it.
    @Test(.timeLimit(.minutes(2)))
    func aRefusedImportThawsTheSourceAndMovesNothing() async throws {
        let moving = 387
        let user = try #require(Self.users(in: moving, count: 1).first)
        try await ShardedSuite.with(slots: Self.slots) { suite in
            let token = try await TokenService(secret: suite.secret).issue(userID: user, username: "u", ttlSeconds: 600)
            let client = suite.client()
            #expect(try await Self.order(client, token, key: "first", symbol: "KO").reply.status == 201)
            let admin = TestClient(port: suite.adminPorts[1])
            let adopted = try await admin.post("/admin/slots/adopt", json: #"{"slots":"\#(moving)"}"#)
            #expect(adopted.status == 200, "\(adopted.text)")
            let (status, output) = try await Self.moveSlots("\(moving)", suite)
            #expect(status == 1 && output.contains("thawed"), "\(output)")
            let states = try await TestClient(port: suite.adminPorts[0]).get("/admin/slots")
            #expect(states.string("frozen") == "" && states.string("owned") == "0-511", "\(states.text)")
            // The source serves the slot again (the gateway still routes it there), and exactly one order is new.
            let second = try await Self.order(client, token, key: "second", symbol: "KO")
            #expect(second.reply.status == 201 && second.refused == 0)
            let report = try await TradeLedgerChecker(client: client, initialCash: "100000.00").check(token: token)
            #expect(report.problems.isEmpty && report.transactions.count == 2, "\(report)")
            let exported = try await admin.get("/admin/slots/export?slots=\(moving)")
            #expect(exported.status == 200 && (exported.json["users"] as? [Any])?.isEmpty == true, "\(exported.text)")
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
