/// What a trade account holds at one moment: cash, holdings (quantity and cost basis) and the
/// whole transaction log. Tests take one before and after a request that must change nothing.
public struct TradeSnapshot: Sendable, Equatable, CustomStringConvertible {
    public let cash: String
    /// `SYMBOL quantity cost_basis`, sorted.
    public let holdings: [String]
    public let transactions: [TradeTransaction]

    /// A read that did not answer what a snapshot needs. Thrown, never turned into placeholder
    /// values: two unreadable snapshots would compare equal and prove "nothing changed".
    public struct Unreadable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the account of `token`'s user (creating it on first use, as any read does).
    public static func take(_ client: TestClient, token: String) async throws -> TradeSnapshot {
        let portfolio = try await client.get("/trade/portfolio", token: token)
        guard portfolio.status == 200, let lines = portfolio.json["holdings"] as? [[String: Any]] else {
            throw Unreadable(description: "GET /trade/portfolio answered \(portfolio.status): \(portfolio.text)")
        }
        let holdings = try lines.map { line in
            guard let symbol = line["symbol"] as? String, let quantity = TradeTransaction.integer(line["quantity"]),
                  let costBasis = line["cost_basis"] as? String
            else { throw Unreadable(description: "a holding lacks symbol, quantity or cost_basis: \(line)") }
            return "\(symbol) \(quantity) \(costBasis)"
        }
        var problems: [String] = []
        let checker = TradeLedgerChecker(client: client, initialCash: "0.00")
        let transactions = try await checker.allTransactions(token: token, problems: &problems)
        guard problems.isEmpty else { throw Unreadable(description: problems.joined(separator: "; ")) }
        let account = try await client.get("/trade/account", token: token)
        guard account.status == 200, let cash = account.string("cash") else {
            throw Unreadable(description: "GET /trade/account answered \(account.status): \(account.text)")
        }
        return TradeSnapshot(cash: cash, holdings: holdings.sorted(), transactions: transactions)
    }

    public var description: String {
        "cash \(cash); holdings [\(holdings.joined(separator: ", "))]; \(transactions.count) transactions"
    }
}
