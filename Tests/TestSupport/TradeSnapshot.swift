/// What a trade account holds at one moment: cash, holdings (quantity and cost basis) and the
/// whole transaction log. Tests take one before and after a request that must change nothing.
public struct TradeSnapshot: Sendable, Equatable, CustomStringConvertible {
    public let cash: String
    /// `SYMBOL quantity cost_basis`, sorted.
    public let holdings: [String]
    public let transactions: [TradeTransaction]

    /// Reads the account of `token`'s user (creating it on first use, as any read does).
    public static func take(_ client: TestClient, token: String) async throws -> TradeSnapshot {
        let portfolio = try await client.get("/trade/portfolio", token: token)
        let lines = portfolio.json["holdings"] as? [[String: Any]] ?? []
        let holdings = lines.map { line in
            "\(line["symbol"] as? String ?? "?") \(TradeTransaction.integer(line["quantity"]) ?? -1) \(line["cost_basis"] as? String ?? "?")"
        }
        var problems: [String] = []
        let checker = TradeLedgerChecker(client: client, initialCash: "0.00")
        let transactions = try await checker.allTransactions(token: token, problems: &problems)
        let cash = (try await client.get("/trade/account", token: token)).string("cash") ?? "unreadable"
        return TradeSnapshot(cash: cash, holdings: holdings.sorted(), transactions: transactions)
    }

    public var description: String {
        "cash \(cash); holdings [\(holdings.joined(separator: ", "))]; \(transactions.count) transactions"
    }
}
