import Foundation
import HTTP
import ServiceKit
import Synchronization
import TestSupport
import Testing

/// Crash safety with real processes (API.md "Trade": a key is stored in the same SQLite
/// transaction as its order, and after a crash no key stays "in flight"). A burst of keyed orders
/// is cut by SIGKILL; after a restart on the same database every key is retried, and each must
/// have executed exactly once.
@Suite(.serialized) struct TradeCrashTests {
    static let secret = "trade-crash-secret-0123456789-abcdefghijk"
    static let symbols = ["AAPL", "MSFT", "KO"]

    static func tradeEnvironment(_ folder: TemporaryFolder, stockPort: Int) -> [String: String] {
        ["DATABASE_PATH": folder.path + "/trade.sqlite", "JWT_SECRET": secret, "STOCK_URL": "http://127.0.0.1:\(stockPort)",
         "INITIAL_CASH": "10000000.00", "LOG_LEVEL": "warning", "UPSTREAM_TIMEOUT_MS": "15000"]
    }

    static func order(_ client: TestClient, index: Int, token: String) async throws -> TestClient.Reply {
        var headers = HTTPHeaders()
        headers.add("Idempotency-Key", "crash-key-\(index)")
        return try await client.post("/trade/buy", json: #"{"symbol":"\#(symbols[index % symbols.count])","quantity":1}"#,
                                     token: token, headers: headers)
    }

    @Test(.timeLimit(.minutes(3)))
    func everyKeyExecutesExactlyOnceAcrossASIGKILLAndARestart() async throws {
        let folder = try TemporaryFolder("trade-crash")
        let stockPort = TradePorts.outsideEphemeralRange()
        let stock = try await ServiceProcess("stock", port: stockPort, environment: ["DATABASE_PATH": folder.path + "/stock.sqlite",
                                                                    "LOG_LEVEL": "warning"], logFolder: folder.path)
        var processes = [stock]
        defer { folder.remove() }
        do {
            try await run(folder: folder, stock: stock, processes: &processes)
        } catch {
            for process in processes { await process.stop() }
            throw error
        }
        for process in processes { await process.stop() }
    }

    private func run(folder: TemporaryFolder, stock: ServiceProcess, processes: inout [ServiceProcess]) async throws {
        let environment = Self.tradeEnvironment(folder, stockPort: stock.port)
        let first = try await ServiceProcess("trade", port: TradePorts.outsideEphemeralRange(excluding: [stock.port]),
                                             environment: environment, logFolder: folder.path)
        processes.append(first)
        let token = try await TokenService(secret: Self.secret).issue(userID: 42, username: "crash", ttlSeconds: 600)
        let keys = 200
        let killAfter = 50

        // Round one: SIGKILL once `killAfter` orders have been answered.
        let answered = Counter()
        let firstClient = TestClient(port: first.port, timeout: .seconds(30))
        let round1 = await TradeParallel.settle(count: keys, width: 16) { index in
            let reply = try await Self.order(firstClient, index: index, token: token)
            let count = answered.increment()
            if count == killAfter { first.signal(SIGKILL) }
            return reply
        }
        #expect(await first.waitForExit(timeout: .seconds(10)), "trade died")
        let acknowledged = round1.enumerated().compactMap { index, result -> (Int, TestClient.Reply)? in
            guard case .success(let reply) = result else { return nil }
            return (index, reply)
        }
        #expect(acknowledged.allSatisfy { $0.1.status == 201 }, "\(acknowledged.map(\.1.status))")
        #expect(acknowledged.count >= killAfter)
        #expect(acknowledged.count < keys, "the kill came in the middle of the burst")

        // Round two: a new process on the same database; every key again, same body.
        let second = try await ServiceProcess("trade", port: TradePorts.outsideEphemeralRange(excluding: [stock.port, first.port]),
                                              environment: environment, logFolder: folder.path)
        processes.append(second)
        let client = TestClient(port: second.port, timeout: .seconds(30))
        let round2 = try await TradeParallel.run(count: keys, width: 16) { index in
            try await Self.order(client, index: index, token: token)
        }
        #expect(round2.allSatisfy { $0.status == 201 }, "no key is stuck in flight: \(Set(round2.map(\.status)))")
        let retried = round2.compactMap(\.transaction)
        #expect(retried.count == keys)
        #expect(Set(retried.map(\.id)).count == keys, "each key has its own order")
        for (index, reply) in acknowledged {
            #expect(round2[index].sameBytes(as: reply), "\(round2[index].text) vs \(reply.text): key \(index) was acknowledged before the kill: same bytes after")
        }
        for (index, order) in retried.enumerated() {
            #expect(order.symbol == Self.symbols[index % Self.symbols.count] && order.quantity == 1)
        }

        let log = try await TradeLedgerChecker(client: client, initialCash: "10000000.00").check(token: token)
        #expect(log.problems.isEmpty, "\(log)")
        #expect(log.transactions.count == keys, "exactly one transaction per key")
        #expect(Set(log.transactions) == Set(retried), "the log is exactly the keys' orders")
        #expect(log.holdings.values.map(\.quantity).reduce(0, +) == Int64(keys))
    }
}
