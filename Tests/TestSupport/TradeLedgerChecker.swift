import Foundation

/// Recomputes a trade account from its transaction log and compares the result with what
/// `GET /trade/account` and `GET /trade/portfolio` say (STYLE.md §11: run after every concurrent test).
///
/// The log is replayed oldest first with the contract's rules (API.md "Trade"): a buy takes its
/// `total` from cash and adds it to the holding's cost basis; selling q of Q shares adds `total`
/// to cash and removes `cost_basis × q / Q` (half-even to the cent); `total` is `price × quantity`
/// half-even; every `cash_after` is the running cash; cash and holdings never go negative. The
/// arithmetic is `TradeDecimal`'s, not the service's.
public struct TradeLedgerChecker: Sendable {
    /// A holding recomputed from the log.
    public struct Holding: Sendable, Equatable {
        public var quantity: Int64
        public var costBasisCents: Int64

        public init(quantity: Int64, costBasisCents: Int64) {
            self.quantity = quantity
            self.costBasisCents = costBasisCents
        }
    }

    /// What the replay found.
    public struct Report: Sendable, CustomStringConvertible {
        /// Every disagreement, in words; empty when the books reconcile exactly.
        public var problems: [String] = []
        /// The whole log, oldest first.
        public var transactions: [TradeTransaction] = []
        /// Cash after the replay, in cents.
        public var cashCents: Int64 = 0
        /// Fees paid, summed over the log.
        public var feesCents: Int64 = 0
        /// Holdings after the replay, by symbol.
        public var holdings: [String: Holding] = [:]

        public var description: String {
            problems.isEmpty ? "reconciled \(transactions.count) transactions" : problems.joined(separator: "\n")
        }
    }

    public let client: TestClient
    /// `INITIAL_CASH` of the service under test, e.g. `"10000.00"`.
    public let initialCash: String

    public init(client: TestClient, initialCash: String) {
        self.client = client
        self.initialCash = initialCash
    }

    /// Every transaction of the token's user, oldest first, read in pages of 100 by following `next`.
    /// Problems with the paging itself (order, `next`) are appended to `problems`.
    public func allTransactions(token: String, problems: inout [String]) async throws -> [TradeTransaction] {
        var newestFirst: [TradeTransaction] = []
        var before: Int64?
        for _ in 0..<1_000 {  // bounded: 100,000 transactions is far more than any test makes
            let target = "/trade/transactions?limit=100" + (before.map { "&before=\($0)" } ?? "")
            let reply = try await client.get(target, token: token)
            guard reply.status == 200, let items = reply.json["transactions"] as? [[String: Any]] else {
                problems.append("GET \(target) answered \(reply.status): \(reply.text)")
                return []
            }
            let page = items.compactMap(TradeTransaction.init(json:))
            if page.count != items.count { problems.append("GET \(target): an item lacks a field or has a wrong type") }
            if let last = newestFirst.last, let first = page.first, first.id >= last.id {
                problems.append("GET \(target): id \(first.id) is not older than \(last.id)")
            }
            for (newer, older) in zip(page, page.dropFirst()) where older.id >= newer.id {
                problems.append("GET \(target): ids not strictly decreasing (\(newer.id), \(older.id))")
            }
            newestFirst += page
            let next = TradeTransaction.integer(reply.json["next"])
            if next == nil, !(reply.json["next"] is NSNull) { problems.append("GET \(target): next is neither an id nor null") }
            guard let next else { return newestFirst.reversed() }
            if next != page.last?.id { problems.append("GET \(target): next \(next) is not the last id \(page.last?.id ?? -1)") }
            before = next
        }
        problems.append("more than 1,000 pages of transactions")
        return newestFirst.reversed()
    }

    /// Replays the log and compares it with the account and the portfolio.
    public func check(token: String) async throws -> Report {
        var report = Report()
        guard let initial = TradeDecimal.units(initialCash, scale: 2) else {
            report.problems.append("initial cash \(initialCash) is not an amount")
            return report
        }
        report.transactions = try await allTransactions(token: token, problems: &report.problems)
        report.cashCents = initial
        for transaction in report.transactions { replay(transaction, into: &report) }
        try await compareAccount(token: token, report: &report)
        try await comparePortfolio(token: token, report: &report)
        return report
    }

    // MARK: - Replay

    private func replay(_ item: TradeTransaction, into report: inout Report) {
        func problem(_ text: String) { report.problems.append("\(item): \(text)") }
        guard let priceUnits = TradeDecimal.units(item.price, scale: 4), priceUnits > 0,
              (2...4).contains(TradeDecimal.decimals(item.price))
        else { return problem("price is not a positive amount with 2 to 4 decimals") }
        guard (1...1_000_000).contains(item.quantity) else { return problem("quantity out of range") }
        guard TradeDecimal.decimals(item.total) == 2, TradeDecimal.decimals(item.cashAfter) == 2, TradeDecimal.decimals(item.fee) == 2,
              let total = TradeDecimal.units(item.total, scale: 2), let cashAfter = TradeDecimal.units(item.cashAfter, scale: 2),
              let fee = TradeDecimal.units(item.fee, scale: 2), fee >= 0
        else { return problem("total, fee or cash_after is not an amount with 2 decimals") }
        report.feesCents += fee
        let expectedTotal = TradeDecimal.totalCents(priceUnits: priceUnits, quantity: item.quantity)
        if total != expectedTotal { problem("total should be \(TradeDecimal.text(expectedTotal, scale: 2))") }
        if !Self.isRFC3339UTC(item.executedAt) {
            problem("executed_at is not RFC 3339 UTC")
        }
        if item.symbol != item.symbol.uppercased() { problem("symbol is not upper-case") }
        var holding = report.holdings[item.symbol] ?? Holding(quantity: 0, costBasisCents: 0)
        switch item.side {
        case "buy":
            // API.md: the fee is paid from cash and joins the cost basis.
            report.cashCents -= total + fee
            if report.cashCents < 0 { problem("cash went negative") }
            holding.quantity += item.quantity
            holding.costBasisCents += total + fee
        case "sell":
            if holding.quantity < item.quantity { problem("sold \(item.quantity) of \(holding.quantity) shares") }
            // A sell's fee comes out of its proceeds.
            report.cashCents += total - fee
            let removed = holding.quantity > 0
                ? TradeDecimal.divideHalfEven(holding.costBasisCents * item.quantity, by: holding.quantity) : 0
            holding.quantity -= item.quantity
            holding.costBasisCents -= removed
        default:
            problem("side is neither buy nor sell")
        }
        report.holdings[item.symbol] = holding.quantity == 0 ? nil : holding
        if cashAfter != report.cashCents { problem("cash_after should be \(TradeDecimal.text(report.cashCents, scale: 2))") }
    }

    // MARK: - Comparison

    private func compareAccount(token: String, report: inout Report) async throws {
        let reply = try await client.get("/trade/account", token: token)
        let body = reply.json
        guard reply.status == 200, let cash = body["cash"] as? String, let holdingsValue = body["holdings_value"] as? String,
              let totalValue = body["total_value"] as? String
        else { return report.problems.append("GET /trade/account answered \(reply.status): \(reply.text)") }
        if cash != TradeDecimal.text(report.cashCents, scale: 2) {
            report.problems.append("account cash \(cash), log says \(TradeDecimal.text(report.cashCents, scale: 2))")
        }
        if body["currency"] as? String != "USD" { report.problems.append("account currency is not USD") }
        if let c = TradeDecimal.units(cash, scale: 2), let h = TradeDecimal.units(holdingsValue, scale: 2),
           let t = TradeDecimal.units(totalValue, scale: 2), [cash, holdingsValue, totalValue].allSatisfy({ TradeDecimal.decimals($0) == 2 }) {
            if c + h != t { report.problems.append("account total_value \(totalValue) ≠ cash \(cash) + holdings \(holdingsValue)") }
        } else {
            report.problems.append("account amounts are not 2-decimal amounts: \(reply.text)")
        }
    }

    private func comparePortfolio(token: String, report: inout Report) async throws {
        let reply = try await client.get("/trade/portfolio", token: token)
        let body = reply.json
        guard reply.status == 200, let lines = body["holdings"] as? [[String: Any]], let cash = body["cash"] as? String,
              let totalValue = body["total_value"] as? String
        else { return report.problems.append("GET /trade/portfolio answered \(reply.status): \(reply.text)") }
        if cash != TradeDecimal.text(report.cashCents, scale: 2) {
            report.problems.append("portfolio cash \(cash), log says \(TradeDecimal.text(report.cashCents, scale: 2))")
        }
        var seen: [String: Holding] = [:]
        var marketValueSum: Int64 = 0
        for line in lines {
            guard let symbol = line["symbol"] as? String, let quantity = TradeTransaction.integer(line["quantity"]),
                  let basisText = line["cost_basis"] as? String, let basis = TradeDecimal.units(basisText, scale: 2),
                  let avgText = line["avg_cost"] as? String, let priceText = line["price"] as? String,
                  let price = TradeDecimal.units(priceText, scale: 4), let mvText = line["market_value"] as? String,
                  let marketValue = TradeDecimal.units(mvText, scale: 2), let plText = line["unrealized_pl"] as? String,
                  let pl = TradeDecimal.units(plText, scale: 2), quantity > 0
            else { report.problems.append("portfolio line malformed: \(line)"); continue }
            seen[symbol] = Holding(quantity: quantity, costBasisCents: basis)
            let avg = TradeDecimal.text(TradeDecimal.divideHalfEven(basis * 100, by: quantity), scale: 4)
            if avgText != avg { report.problems.append("\(symbol) avg_cost \(avgText), should be \(avg)") }
            if TradeDecimal.decimals(basisText) != 2 || TradeDecimal.decimals(mvText) != 2 || TradeDecimal.decimals(plText) != 2 {
                report.problems.append("\(symbol) amounts must have 2 decimals: \(line)")
            }
            let expectedValue = TradeDecimal.totalCents(priceUnits: price, quantity: quantity)
            if marketValue != expectedValue {
                report.problems.append("\(symbol) market_value \(mvText), should be \(TradeDecimal.text(expectedValue, scale: 2))")
            }
            if pl != marketValue - basis { report.problems.append("\(symbol) unrealized_pl \(plText) ≠ \(mvText) − \(basisText)") }
            marketValueSum += marketValue
        }
        if seen.count != lines.count { report.problems.append("portfolio lists a symbol twice") }
        if seen != report.holdings {
            report.problems.append("portfolio holdings \(Self.describe(seen)), log says \(Self.describe(report.holdings))")
        }
        let expectedTotal = TradeDecimal.text(report.cashCents + marketValueSum, scale: 2)
        if totalValue != expectedTotal { report.problems.append("portfolio total_value \(totalValue), should be \(expectedTotal)") }
    }

    /// `YYYY-MM-DDTHH:MM:SS` with optional fractional seconds and `Z` (API.md: RFC 3339 in UTC).
    static func isRFC3339UTC(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let pattern = Array("dddd-dd-ddTdd:dd:dd".utf8)
        guard bytes.count >= pattern.count + 1, bytes.last == UInt8(ascii: "Z") else { return false }
        for (byte, expected) in zip(bytes, pattern) {
            if expected == UInt8(ascii: "d") ? !(0x30...0x39).contains(byte) : byte != expected { return false }
        }
        let rest = bytes[pattern.count..<(bytes.count - 1)]
        if rest.isEmpty { return true }
        return rest.first == UInt8(ascii: ".") && rest.count > 1 && rest.dropFirst().allSatisfy { (0x30...0x39).contains($0) }
    }

    static func describe(_ holdings: [String: Holding]) -> String {
        holdings.keys.sorted().map { "\($0)×\(holdings[$0]!.quantity)@\(TradeDecimal.text(holdings[$0]!.costBasisCents, scale: 2))" }
            .joined(separator: ", ")
    }
}
