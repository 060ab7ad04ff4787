import Foundation

/// Trade sharded by account on loopback: stock, `shards` trade processes (each its own SQLite file,
/// its own `TRADE_SLOTS`, a slot-move listener on `TRADE_ADMIN_PORT`) and one gateway whose
/// `TRADE_SHARDS` names them. Auth is not started: tokens are issued with the suite's secret, and
/// the gateway checks them itself.
public final class ShardedSuite: @unchecked Sendable {
    public let folder: TemporaryFolder
    public let secret = "sharded-suite-secret-0123456789-abcdefghij"
    public let stock: ServiceProcess
    /// The trade processes by shard index (replaced on restart).
    public private(set) var trades: [ServiceProcess]
    public private(set) var gateway: ServiceProcess
    /// Each shard's slots as `TRADE_SLOTS` says them, by shard index.
    public let slots: [String]
    /// Each shard's port and slot-move port, by shard index.
    public let tradePorts: [Int]
    public let adminPorts: [Int]
    public let gatewayPort: Int
    private let tradeEnvironment: [String: String]

    /// `count` shards owning equal ranges of the 1024 slots, in order.
    public static func evenSlots(_ count: Int) -> [String] {
        (0..<count).map { index in "\(index * 1024 / count)-\((index + 1) * 1024 / count - 1)" }
    }

    public init(slots: [String], tradeEnvironment: [String: String] = [:]) async throws {
        folder = try TemporaryFolder("sharded")
        self.slots = slots
        var taken: Set<Int> = []
        func port() -> Int {
            let chosen = TradePorts.outsideEphemeralRange(excluding: taken)
            taken.insert(chosen)
            return chosen
        }
        let stockPort = port()
        tradePorts = slots.map { _ in port() }
        adminPorts = slots.map { _ in port() }
        gatewayPort = port()
        stock = try await ServiceProcess("stock", port: stockPort, environment: [
            "DATABASE_PATH": folder.path + "/stock.sqlite", "LOG_LEVEL": "warning", "API_KEY": "",
        ], logFolder: folder.path)
        self.tradeEnvironment = ["JWT_SECRET": secret, "STOCK_URL": "http://127.0.0.1:\(stockPort)", "LOG_LEVEL": "warning",
                                 "INITIAL_CASH": "100000.00"].merging(tradeEnvironment) { $1 }
        trades = []
        gateway = stock  // replaced below
        do {
            for index in slots.indices { trades.append(try await startTrade(index)) }
            gateway = try await startGateway(map: slots)
        } catch {
            await stopAll()
            throw error
        }
    }

    /// `TRADE_SHARDS` for the shards owning `map[index]`.
    public func shardMap(_ map: [String]) -> String {
        map.indices.map { "\(map[$0])=http://127.0.0.1:\(tradePorts[$0])" }.joined(separator: " ")
    }

    private func startTrade(_ index: Int) async throws -> ServiceProcess {
        try await startTrade(index, slots: slots[index])
    }

    /// Starts shard `index` on its port and file with `TRADE_SLOTS=slots` (not recorded as the shard).
    public func startTrade(_ index: Int, slots: String, waitForHealth: Bool = true) async throws -> ServiceProcess {
        try await ServiceProcess("trade", port: tradePorts[index], environment: tradeEnvironment.merging([
            "DATABASE_PATH": folder.path + "/trade-\(index).sqlite", "TRADE_SLOTS": slots,
            "TRADE_ADMIN_PORT": String(adminPorts[index]),
        ]) { $1 }, logFolder: folder.path, waitForHealth: waitForHealth)
    }

    private func startGateway(map: [String]) async throws -> ServiceProcess {
        try await ServiceProcess("gateway", port: gatewayPort, environment: [
            "JWT_SECRET": secret, "LOG_LEVEL": "warning", "RATE_LIMIT_RPS": "0",
            "AUTH_URL": "http://127.0.0.1:1", "STOCK_URL": "http://127.0.0.1:\(stock.port)", "TRADE_SHARDS": shardMap(map),
            "UPSTREAM_TIMEOUT_MS": "15000",
        ], logFolder: folder.path)
    }

    /// The database file of shard `index`.
    public func databasePath(_ index: Int) -> String { folder.path + "/trade-\(index).sqlite" }

    /// Starts shard `index` again on its port and database (after a kill).
    public func restartTrade(_ index: Int) async throws {
        await trades[index].stop()
        trades[index] = try await startTrade(index)
    }

    /// Stops the gateway and starts it with `map` (the switch after a slot move).
    public func restartGateway(map: [String]) async throws {
        await gateway.stop()
        gateway = try await startGateway(map: map)
    }

    /// A client of the gateway, or of shard `index` directly.
    public func client(timeout: Duration = .seconds(30)) -> TestClient { TestClient(port: gatewayPort, timeout: timeout) }
    public func shardClient(_ index: Int) -> TestClient { TestClient(port: tradePorts[index], timeout: .seconds(30)) }

    /// Every log, for failure messages.
    public var logs: String {
        ([stock, gateway] + trades).map { "---- \($0.name) \($0.port) ----\n\($0.log)" }.joined(separator: "\n")
    }

    public func stopAll() async {
        await gateway.stop()
        for trade in trades { await trade.stop() }
        await stock.stop()
        folder.remove()
    }

    /// Starts the suite, runs `body`, stops everything whether it threw or not.
    public static func with<T>(slots: [String], _ body: (ShardedSuite) async throws -> T) async throws -> T {
        let suite = try await ShardedSuite(slots: slots)
        do {
            let result = try await body(suite)
            await suite.stopAll()
            return result
        } catch {
            await suite.stopAll()
            throw error
        }
    }
}
