import Foundation

/// One unit of work for the ledger's batching writer, applied in its own savepoint.
enum LedgerJob: Sendable {
    /// `/trade/buy` or `/trade/sell`.
    case market(Order)
    /// `POST /trade/orders`.
    case place(OrderRequest)
    /// `DELETE /trade/orders/{id}`.
    case cancel(userID: Int64, orderID: Int64)
    /// One tick of the matcher.
    case match(MatchPlan)

    func apply(_ scope: WriteScope) throws -> LedgerOutput {
        switch self {
        case .market(let order):
            .transaction(try OrderExecution.apply(order, db: scope.db, initialCash: scope.initialCash, fees: scope.fees,
                                                  executedAt: scope.nowText, nowMs: scope.nowMs))
        case .place(let request): .order(try OrderBook.place(request, scope: scope))
        case .cancel(let userID, let orderID): .order(try OrderBook.cancel(userID: userID, orderID: orderID, scope: scope))
        case .match(let plan): .matched(try OrderMatching.apply(plan, scope: scope))
        }
    }
}

/// What a job answers.
enum LedgerOutput: Sendable {
    case transaction(TransactionBody)
    case order(TradeOrder)
    case matched(MatchReport)
}
