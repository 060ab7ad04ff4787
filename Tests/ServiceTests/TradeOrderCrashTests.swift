import Foundation
import GRDB
import HTTP
import ServiceKit
import TestSupport
import Testing

/// Exactly-once fills across SIGKILL (issue 26): hundreds of resting orders start filling when the
/// fake provider's price crosses their limits; trade is killed while the matcher is filling them,
/// the SQLite file is reconciled as the kill left it (every fill once, reservations equal to what
/// open orders hold, cash equal to the initial cash less every fill and fee), then a new process
/// fills the rest and the whole ledger reconciles again.
@Suite(.serialized) struct TradeOrderCrashTests {
    static let secret = "trade-order-crash-secret-0123456789-abcd"
    static let initialCash = "1000000.00"
    static let initialCents: Int64 = 1_000_000_00

    /// What the file says, recomputed from its own rows.
    struct Reconciliation: CustomStringConvertible {
        var problems: [String] = []
        var filled = 0
        var open = 0
        var description: String { "filled \(filled), open \(open), problems: \(problems)" }
    }

    static func reconcile(_ path: String, userID: Int64) throws -> Reconciliation {
        let db = try DatabaseQueue(path: path)
        defer { try? db.close() }
        return try db.read { db in
            var report = Reconciliation()
            let account = try Row.fetchOne(db, sql: "SELECT cash_cents, reserved_cents FROM accounts WHERE user_id = ?", arguments: [userID])!
            let cash: Int64 = account["cash_cents"]
            let reserved: Int64 = account["reserved_cents"]
            let spent = try Int64.fetchOne(db, sql: """
                SELECT COALESCE(SUM(CASE side WHEN 'buy' THEN total_cents + fee_cents ELSE fee_cents - total_cents END), 0)
                FROM transactions WHERE user_id = ?
                """, arguments: [userID])!
            if cash != initialCents - spent { report.problems.append("cash \(cash) ≠ initial − fills and fees \(initialCents - spent)") }
            let held = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(reserved_cents), 0) FROM orders WHERE user_id = ? AND status = 'new'", arguments: [userID])!
            if reserved != held { report.problems.append("reserved \(reserved) ≠ open orders' \(held)") }
            let heldShares = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(reserved_shares), 0) FROM orders WHERE user_id = ? AND status = 'new'", arguments: [userID])!
            let reservedShares = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(reserved_shares), 0) FROM holdings WHERE user_id = ?", arguments: [userID])!
            if reservedShares != heldShares { report.problems.append("reserved shares \(reservedShares) ≠ open orders' \(heldShares)") }
            // Every fill once: one transaction per filled order (the setup's one market buy aside),
            // at the order's fill price and with its fee.
            report.filled = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders WHERE user_id = ? AND status = 'filled'", arguments: [userID])!
            report.open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders WHERE user_id = ? AND status = 'new'", arguments: [userID])!
            let transactions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE user_id = ?", arguments: [userID])!
            if transactions != report.filled + 1 { report.problems.append("\(transactions) transactions for \(report.filled) fills + 1 setup buy") }
            let orderFees = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(fee_cents), 0) FROM orders WHERE user_id = ? AND status = 'filled'", arguments: [userID])!
            let tradeFees = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(fee_cents), 0) FROM transactions WHERE user_id = ?", arguments: [userID])!
            let setupFee = try Int64.fetchOne(db, sql: "SELECT fee_cents FROM transactions WHERE user_id = ? ORDER BY id LIMIT 1", arguments: [userID])!
            if tradeFees != orderFees + setupFee { report.problems.append("fees: transactions \(tradeFees) ≠ orders \(orderFees) + setup \(setupFee)") }
            // Every state change of a filled order is an event: new then filled, once each.
            let filledEvents = try Int.fetchOne(db, sql: #"SELECT COUNT(*) FROM order_events WHERE user_id = ? AND "order" LIKE '%"status":"filled"%'"#, arguments: [userID])!
            if filledEvents != report.filled { report.problems.append("\(filledEvents) filled events for \(report.filled) fills") }
            return report
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func ordersFillExactlyOnceAcrossASIGKILLDuringMatching() async throws {
        let folder = try TemporaryFolder("trade-order-crash")
        defer { folder.remove() }
        let fake = try FakeProvider()
        defer { fake.stop() }
        fake.setQuote(symbol: "AAPL", price: "100.00", day: "2026-11-24")
        let stockPort = TradePorts.outsideEphemeralRange()
        let stock = try await ServiceProcess("stock", port: stockPort, environment: [
            "DATABASE_PATH": folder.path + "/stock.sqlite", "LOG_LEVEL": "warning", "API_KEY": "test-key",
            "STOCK_API_URL": fake.baseURL, "QUOTE_TTL_SECONDS": "0", "PROVIDER_CALLS_PER_MINUTE": "0",
            "PROVIDER_CALLS_PER_DAY": "0", "PROVIDER_TIMEOUT_MS": "10000",
        ], logFolder: folder.path)
        var processes = [stock]
        do {
            try await run(folder: folder, fake: fake, stockPort: stock.port, processes: &processes)
        } catch {
            for process in processes { await process.stop() }
            throw error
        }
        for process in processes { await process.stop() }
    }

    private func run(folder: TemporaryFolder, fake: FakeProvider, stockPort: Int, processes: inout [ServiceProcess]) async throws {
        // A small per-tick bound, so the fills take several ticks and the kill lands among them.
        let environment = ["DATABASE_PATH": folder.path + "/trade.sqlite", "JWT_SECRET": Self.secret,
                           "STOCK_URL": "http://127.0.0.1:\(stockPort)", "INITIAL_CASH": Self.initialCash, "LOG_LEVEL": "warning",
                           "UPSTREAM_TIMEOUT_MS": "15000", "MATCH_INTERVAL_MS": "10", "OPEN_ORDERS_PER_USER_MAX": "5000",
                           "COMMISSION_PER_ORDER": "0.99", "COMMISSION_BPS": "3"]
        let first = try await ServiceProcess("trade", port: TradePorts.outsideEphemeralRange(excluding: [stockPort]),
                                             environment: environment, logFolder: folder.path)
        processes.append(first)
        let token = try await TokenService(secret: Self.secret).issue(userID: 7, username: "crash", ttlSeconds: 600)
        let client = TestClient(port: first.port, timeout: .seconds(30))
        #expect(try await client.post("/trade/buy", json: #"{"symbol":"AAPL","quantity":2000}"#, token: token).status == 201)
        // Three ticks' worth at `TradeLimits.matchOrdersPerTickMax` (1,024): the kill, sent once the
        // first fills are visible, lands with at least one tick still to run.
        let orders = 2400
        let placed = try await TradeParallel.run(count: orders, width: 16) { index in
            // Buys at 95.00 to 95.99 and sells of one share at 104.00 to 104.99: distinct prices, each its own fill.
            let json = index % 2 == 0
                ? #"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"95.\#(String(format: "%02d", index % 100))"}"#
                : #"{"symbol":"AAPL","side":"sell","quantity":1,"type":"stop","time_in_force":"gtc","stop_price":"96.\#(String(format: "%02d", index % 100))"}"#
            return try await client.post("/trade/orders", json: json, token: token)
        }
        #expect(placed.allSatisfy { $0.status == 201 && $0.string("status") == "new" }, "\(Set(placed.map(\.status)))")
        // The price falls through every buy's limit and every sell's stop: all 2,400 become fillable.
        fake.setQuote(symbol: "AAPL", price: "94.00", day: "2026-11-24")
        var closed = 0
        for _ in 0..<3000 {
            let reply = try await client.get("/trade/orders?status=closed&limit=1", token: token)
            if (reply.json["orders"] as? [Any])?.isEmpty == false {
                closed = 1
                first.signal(SIGKILL)
                break
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(closed == 1, "no order filled before the kill")
        #expect(await first.waitForExit(timeout: .seconds(10)))
        let atKill = try Self.reconcile(folder.path + "/trade.sqlite", userID: 7)
        #expect(atKill.problems.isEmpty, "\(atKill)")
        #expect(atKill.filled + atKill.open == orders)
        #expect(atKill.filled > 0 && atKill.filled < orders, "the kill came while orders were still filling: \(atKill)")

        let second = try await ServiceProcess("trade", port: TradePorts.outsideEphemeralRange(excluding: [stockPort, first.port]),
                                              environment: environment, logFolder: folder.path)
        processes.append(second)
        let after = TestClient(port: second.port, timeout: .seconds(30))
        var open = orders
        for _ in 0..<1000 where open > 0 {
            try await Task.sleep(for: .milliseconds(20))
            let reply = try await after.get("/trade/orders?status=open&limit=1", token: token)
            open = (reply.json["orders"] as? [Any])?.count ?? 1
        }
        #expect(open == 0, "the new process filled the rest")
        await second.stop()
        let done = try Self.reconcile(folder.path + "/trade.sqlite", userID: 7)
        #expect(done.problems.isEmpty && done.filled == orders, "\(done)")
    }
}
