import HTTP
import Money

/// Reads one user's books through the API: cash (`GET /trade/account`), holdings
/// (`GET /trade/portfolio`) and transactions (`GET /trade/transactions`, paged).
struct AccountReader: Sendable {
    /// Pages of 100 read per user at most (1,000,000 transactions).
    static let transactionPagesMax = 10_000

    let client: SuiteClient
    let token: String
    let username: String

    /// Cash, holdings and the newest transaction id.
    func baseline() async throws(SetupError) -> AccountState {
        var state = try await current()
        let newest: SuiteReplies.Transactions = try await get("/trade/transactions?limit=1")
        state.lastTransactionID = newest.transactions.first?.id ?? 0
        return state
    }

    /// Cash (from the account) and holdings (from the portfolio).
    func current() async throws(SetupError) -> AccountState {
        let account: SuiteReplies.Account = try await get("/trade/account")
        let portfolio: SuiteReplies.Portfolio = try await get("/trade/portfolio")
        var holdings: [String: AccountState.Holding] = [:]
        for holding in portfolio.holdings {
            holdings[holding.symbol] = AccountState.Holding(quantity: holding.quantity, costBasis: holding.cost_basis)
        }
        return AccountState(cash: account.cash, holdings: holdings)
    }

    /// Every transaction newer than `after`, newest first.
    func transactions(after: Int64) async throws(SetupError) -> [SuiteReplies.Order] {
        var found: [SuiteReplies.Order] = []
        var before: Int64?
        for _ in 0..<Self.transactionPagesMax {
            let page: SuiteReplies.Transactions = try await get("/trade/transactions?limit=100" + (before.map { "&before=\($0)" } ?? ""))
            for order in page.transactions {
                if order.id <= after { return found }
                found.append(order)
            }
            guard let next = page.next else { return found }
            before = next
        }
        throw SetupError("\(username): more than \(Self.transactionPagesMax) pages of transactions")
    }

    private func get<T: Decodable>(_ target: String) async throws(SetupError) -> T {
        var outcome = SuiteClient.Outcome.failed(.connectFailed)
        // Reads are safe to repeat: a few tries over a busy moment.
        for attempt in 0..<4 {
            outcome = await client.send(SuiteClient.request("GET", target, token: token))
            if case .response(200, let body) = outcome {
                guard let value = SuiteReplies.decode(T.self, body) else {
                    throw SetupError("\(username): GET \(target) answered a body that is not \(T.self)")
                }
                return value
            }
            if case .response(let status, _) = outcome, status < 500 { break }
            try? await Task.sleep(for: .milliseconds(100 << attempt))
        }
        throw SetupError("\(username): GET \(target) answered \(outcome.label)")
    }
}
