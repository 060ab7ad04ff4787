import Foundation
import HTTP
import Logging
import Routing
import ServiceKit

/// The trade service (port 5003): accounts, orders, portfolio, history (API.md "Trade").
public enum TradeService {
    /// Validates configuration, opens the ledger and starts serving.
    public static func start(environment: Environment, logger: Logger, limits: HTTPLimits = HTTPLimits()) async throws
        -> ServiceHost {
        let config = try TradeConfig(environment: environment)
        Environment.warnIfDevelopmentSecret(config.jwtSecretIsDevelopmentDefault, logger: logger)
        let ownership = SlotOwnership(owned: SlotSet())
        let ledger = try ConfigError.naming("DATABASE_PATH") {
            try Ledger(path: config.databasePath, initialCash: config.initialCash, limits: config.limits, fees: config.fees,
                       ownership: ownership)
        }
        // A new shard's ids start at its first slot × 2^40 (README "Trade shards"): shards never
        // hand out the same id, so a moved account keeps its transaction ids. Slot 0's shard
        // (and a single shard) starts at 1 as before.
        let idBase = Int64(config.slots?.slots.first ?? 0) << 40
        do {
            let configured = config.slots
            ownership.replace(with: try await ledger.database.writeImmediate { db in
                try SlotTransfer.seedSequences(db, base: idBase)
                return try SlotOwnership.load(db, configured: configured)
            })
        } catch let error as SlotOwnership.StoredSlotsDisagree {
            throw ConfigError("TRADE_SLOTS", error.description)
        } catch {
            throw ConfigError("DATABASE_PATH", "\(error)")
        }
        let group = try ServiceHost.makeEventLoops(config.common)
        let tokens = await TokenService(secret: config.jwtSecret)
        let stock = StockPriceClient(url: config.stockURL, timeoutMs: config.upstreamTimeoutMs, group: group)
        let handlers = TradeHandlers(config: config, ledger: ledger, stock: stock,
                                     gate: IdempotencyGate(), lastPrices: LastPrices(try ledger.lastPrices()))
        let matcher = OrderMatcher(ledger: ledger, prices: stock)
        let matching = Task { await matcher.run(every: config.limits.matchInterval, logger: logger) }
        let purge = Task {
            // Expired Idempotency-Keys are ignored at once and deleted here, hourly and at start.
            while !Task.isCancelled {
                let cutoff = Int64(Date().timeIntervalSince1970 * 1000) - Int64(config.idempotencyTTLSeconds) * 1000
                if let removed = try? await ledger.purgeKeys(olderThanMs: cutoff), removed > 0 {
                    logger.info("purged expired idempotency keys", metadata: ["count": "\(removed)"])
                }
                let eventCutoff = Timestamp.rfc3339(Date(timeIntervalSinceNow: -Double(config.limits.orderEventTTLSeconds)))
                if let removed = try? await ledger.purgeOrderEvents(before: eventCutoff), removed > 0 {
                    logger.info("purged old order events", metadata: ["count": "\(removed)"])
                }
                try? await Task.sleep(for: .seconds(min(3600, max(1, config.idempotencyTTLSeconds / 2))))
            }
        }
        let admin = try config.adminPort.map { port in
            try ConfigError.naming("TRADE_ADMIN_PORT") {
                try SlotAdmin.serve(SlotAdmin(ledger: ledger, ownership: ownership), port: port, group: group, logger: logger)
            }
        }
        if let admin { logger.info("slot admin listening", metadata: ["port": "\(admin.port)"]) }
        return try ServiceHost(config: config.common, logger: logger, limits: limits, group: group, routes: routes,
                               endpoints: handlers, authenticator: tokens,
                               afterAuthentication: [ShardMiddleware(ownership: ownership)], onShutdown: {
            // Drained, not shut down: the admin listener shares the loops, which must keep
            // running until the matcher has ended (ServiceHost.shutdown stops them last).
            await admin?.drain()
            // Nothing may still be using the ledger when it closes: the matcher's tick and the
            // purge finish (or see their cancellation) first.
            purge.cancel()
            matching.cancel()
            await matching.value
            await purge.value
            try? await ledger.closeFromTask()
        })
    }

    /// The trade routes (API.md "Trade": every route needs a Bearer token).
    static let routes: [Route<TradeHandlers>] = [
        Route("GET", "/trade/account", .token, handler: { $0.account }),
        Route("POST", "/trade/buy", .token, handler: { $0.buy }),
        Route("POST", "/trade/sell", .token, handler: { $0.sell }),
        Route("GET", "/trade/portfolio", .token, handler: { $0.portfolio }),
        Route("GET", "/trade/transactions", .token, handler: { $0.transactions }),
        Route("POST", "/trade/orders", .token, handler: { $0.placeOrder }),
        Route("GET", "/trade/orders", .token, handler: { $0.listOrders }),
        Route("GET", "/trade/orders/{id}", .token, handler: { $0.getOrder }),
        Route("DELETE", "/trade/orders/{id}", .token, handler: { $0.cancelOrder }),
        Route("GET", "/trade/events", .token, handler: { $0.events }),
    ]
}
