import Foundation
import HTTP
import ServiceKit
import TestSupport
import Testing

/// Trade whose database file cannot grow any more: the process runs under a 256 KiB file-size
/// limit (`prlimit --fsize`), so once the write-ahead log reaches it, every write fails with EFBIG,
/// as on a full disk. An order that cannot be written must fail whole with a problem, leave the
/// books exactly as the answered orders made them, store no idempotency key, and leave the
/// service up and answering reads.
@Suite(.serialized) struct TradeDiskFullTests {
    static let fileSizeLimit = 256 * 1024

    @Test(.timeLimit(.minutes(2)))
    func ordersThatCannotBeWrittenFailWholeAndTheServiceStaysUp() async throws {
        let folder = try TemporaryFolder("trade-disk-full")
        defer { folder.remove() }
        let stockPort = TradePorts.outsideEphemeralRange()
        let stock = try await ServiceProcess("stock", port: stockPort, environment: [
            "DATABASE_PATH": folder.path + "/stock.sqlite", "LOG_LEVEL": "warning",
        ], logFolder: folder.path)
        try await stock.stopAfter {
            let trade = try await ServiceProcess(
                "trade", port: TradePorts.outsideEphemeralRange(excluding: [stockPort]),
                environment: TradeCrashTests.tradeEnvironment(folder, stockPort: stockPort), logFolder: folder.path,
                resourceLimits: ["--fsize=\(Self.fileSizeLimit):\(Self.fileSizeLimit)"])
            try await trade.stopAfter { try await check(trade) }
        }
    }

    private func check(_ trade: ServiceProcess) async throws {
        let client = TestClient(port: trade.port)
        let token = try await TokenService(secret: TradeCrashTests.secret).issue(userID: 7, username: "full", ttlSeconds: 600)
        var executed: [Int64] = []
        var failed: (key: String, reply: TestClient.Reply)?
        // Each order adds a few pages to the log: the limit is reached within a few hundred.
        let deadline = ContinuousClock.now + .seconds(60)
        for index in 0..<2_000 where ContinuousClock.now < deadline {
            let key = "full-\(index)"
            let reply = try await Self.buy(client, key: key, token: token)
            if reply.status == 201, let id = TradeTransaction.integer(reply.json["id"]) {
                executed.append(id)
                continue
            }
            // A moment without a price (503) is not the full disk: the next key tries again.
            if reply.status == 503 && reply.string("type") == "/problems/price-unavailable" { continue }
            failed = (key, reply)
            break
        }
        let (key, reply) = try #require(failed, "\(executed.count) orders executed and none failed: the limit was never reached")
        #expect(!executed.isEmpty, "the first order failed: the limit is too small to test anything")
        #expect(reply.status == 500 && reply.string("type") == "/problems/internal-error", "\(reply.status) \(reply.text)")
        #expect(reply.headers["Content-Type"] == "application/problem+json", "\(reply.headers["Content-Type"] ?? "none")")
        #expect(trade.isRunning)

        // The books hold exactly the answered orders, and they reconcile to the cent.
        let report = try await TradeLedgerChecker(client: client, initialCash: "10000000.00").check(token: token)
        #expect(report.problems.isEmpty, "\(report)")
        #expect(report.transactions.map(\.id) == executed)

        // The failed order's key was not kept: sent again, it is tried again (and fails again,
        // the file is still full), never replayed as if it had happened.
        let again = try await Self.buy(client, key: key, token: token)
        #expect(again.status == 500 && again.string("type") == "/problems/internal-error", "\(again.status) \(again.text)")
        #expect(again.headers["Idempotent-Replayed"] == nil)
        #expect(try await client.get("/trade/portfolio", token: token).status == 200)
        #expect(trade.isRunning)
    }

    static func buy(_ client: TestClient, key: String, token: String) async throws -> TestClient.Reply {
        var headers = HTTPHeaders()
        headers.add("Idempotency-Key", key)
        return try await client.post("/trade/buy", json: #"{"symbol":"KO","quantity":1}"#, token: token, headers: headers)
    }
}
