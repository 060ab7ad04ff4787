import Foundation
import GRDB
import Money

/// One tick of matching, applied by the ledger's writer in one transaction: due `day` orders
/// expire, then each priced symbol's marketable open orders fill (oldest first), each in its own
/// savepoint. The work is bounded by `ordersMax` orders per tick; what is left waits for the next.
struct MatchPlan: Sendable {
    var prices: [(symbol: String, price: Price)]
    var ordersMax: Int
}

/// What a tick did.
struct MatchReport: Sendable, Equatable {
    var filled = 0
    var expired = 0
    var rejected = 0
    var triggered = 0
    /// Whether the tick stopped at `ordersMax` with work possibly left.
    var truncated = false
}

enum OrderMatching {
    static func apply(_ plan: MatchPlan, scope: WriteScope) throws -> MatchReport {
        var report = MatchReport()
        var budget = plan.ordersMax
        let due = try Row.fetchAll(scope.db.cachedStatement(sql: """
            SELECT * FROM orders WHERE status = 'new' AND expires_at_ms <= ? ORDER BY expires_at_ms, id LIMIT ?
            """), arguments: [scope.nowMs, budget]).map(TradeOrder.init(row:))
        for order in due {
            _ = try scope.savepoint { try OrderBook.close(order, as: .expired, scope: scope) }
            report.expired += 1
        }
        budget -= due.count
        for (symbol, price) in plan.prices where budget > 0 {
            let p = price.minorUnits
            // Marketable at `p` (TradeOrder.isMarketable), plus stop-limits whose stop is crossed
            // but whose limit is not yet: those are only marked triggered, once.
            let candidates = try Row.fetchAll(scope.db.cachedStatement(sql: """
                SELECT * FROM orders WHERE status = 'new' AND symbol = ?2 AND (
                  (side = 'buy' AND (
                    (type = 'limit' AND limit_price_units >= ?1) OR
                    (type = 'stop' AND stop_price_units <= ?1) OR
                    (type = 'stop_limit' AND (triggered = 1 OR stop_price_units <= ?1) AND (triggered = 0 OR limit_price_units >= ?1)))) OR
                  (side = 'sell' AND (
                    (type = 'limit' AND limit_price_units <= ?1) OR
                    (type = 'stop' AND stop_price_units >= ?1) OR
                    (type = 'stop_limit' AND (triggered = 1 OR stop_price_units >= ?1) AND (triggered = 0 OR limit_price_units <= ?1)))))
                ORDER BY id LIMIT ?3
                """),
                arguments: [p, symbol, budget]).map(TradeOrder.init(row:))
            budget -= candidates.count
            if budget <= 0 { report.truncated = true }
            for var order in candidates {
                if order.kind == .stop_limit && !order.triggered {
                    try OrderBook.markTriggered(order, db: scope.db)
                    order.triggered = true
                    report.triggered += 1
                }
                guard order.isMarketable(at: price) else { continue }
                let after = try OrderBook.fill(order, at: price, scope: scope, rejectIfUnaffordable: true)
                if after.status == .filled { report.filled += 1 } else { report.rejected += 1 }
            }
        }
        if due.count == plan.ordersMax { report.truncated = true }
        return report
    }
}
