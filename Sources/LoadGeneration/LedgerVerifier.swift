import Money

/// After the run: for every user, cash and holdings read from the API must equal the baseline plus
/// what the run's 201s imply, to the cent, and the ledger's transactions since the baseline must be
/// exactly those 201s (none lost, none doubled, none changed). Each difference is one line naming the
/// user and the amounts.
public struct LedgerVerifier: Sendable {
    /// Users checked at once.
    static let concurrency = 16
    /// Lines kept per user, and in all: past them only the count grows.
    public static let problemsPerUserMax = 20
    public static let problemsMax = 1000

    /// What verification found.
    public struct Outcome: Sendable {
        public var usersChecked = 0
        public var ordersChecked = 0
        /// Every difference (at most ``problemsMax`` lines).
        public var problems: [String] = []
        /// All differences, including those past ``problemsMax``.
        public var problemCount = 0
        public var passed: Bool { problemCount == 0 }
    }

    let client: SuiteClient

    public init(client: SuiteClient) {
        self.client = client
    }

    /// Settles the orders whose outcome was unknown, then checks every user.
    public func verify(_ users: inout [VirtualUser]) async -> Outcome {
        for index in users.indices where !users[index].unresolved.isEmpty {
            await settle(&users[index])
        }
        var outcome = Outcome()
        let snapshot = users
        await withTaskGroup(of: (Int, [String]).self) { group in
            var next = 0
            func startNext() {
                guard next < snapshot.count else { return }
                let user = snapshot[next]
                next += 1
                group.addTask { (user.orders.count, await check(user)) }
            }
            for _ in 0..<Self.concurrency { startNext() }
            for await (orders, problems) in group {
                outcome.usersChecked += 1
                outcome.ordersChecked += orders
                outcome.problemCount += problems.count
                outcome.problems.append(contentsOf: problems.prefix(max(0, Self.problemsMax - outcome.problems.count)))
                startNext()
            }
        }
        outcome.problems.sort()
        return outcome
    }

    /// Sends each unresolved order again with its key: a 201 is its one execution (first or replayed).
    func settle(_ user: inout VirtualUser) async {
        var still: [VirtualUser.PendingOrder] = []
        for order in user.unresolved {
            var settled = false
            for attempt in 0..<5 where !settled {
                let outcome = await client.send(SuiteClient.request("POST", order.target, token: user.token, json: order.body,
                                                                    idempotencyKey: order.idempotencyKey))
                switch outcome {
                case .response(201, let body):
                    if let record = OrderRecord(body: body) {
                        user.record(record)
                        settled = true
                    }
                case .response(let status, _) where status < 500 && status != 409:
                    settled = true
                default:
                    try? await Task.sleep(for: .milliseconds(200 << attempt))
                }
            }
            if !settled { still.append(order) }
        }
        user.unresolved = still
    }

    /// Every difference between `user`'s books on the server and what the run saw.
    public func check(_ user: VirtualUser) async -> [String] {
        var problems = Self.expectations(user)
        let name = user.username
        for order in user.unresolved {
            problems.append("\(name): \(order.side.rawValue) \(order.quantity) \(order.symbol) (key \(order.idempotencyKey)): outcome still unknown after retries")
        }
        let reader = AccountReader(client: client, token: user.token, username: name)
        let actual: AccountState
        let ledger: [SuiteReplies.Order]
        do {
            actual = try await reader.current()
            ledger = try await reader.transactions(after: user.baseline.lastTransactionID)
        } catch {
            return problems + ["\(name): could not read the books: \(error)"]
        }
        var expected = user.baseline
        for order in user.orders { try? expected.apply(order) }
        problems += Self.compare(name, actual: actual, expected: expected, orders: user.orders.count)
        problems += Self.compareLedger(name, ledger: ledger, orders: user.orders)
        return Array(problems.prefix(Self.problemsPerUserMax))
    }

    /// What the 201s themselves must satisfy: `total` is `price × quantity` half-even, and each
    /// `cash_after` is the running cash from the baseline (the user sends one order at a time).
    static func expectations(_ user: VirtualUser) -> [String] {
        var problems: [String] = []
        var running = user.baseline
        var seen: Set<Int64> = []
        for order in user.orders {
            if !seen.insert(order.id).inserted {
                problems.append("\(user.username): order #\(order.id) answered 201 twice in this run (doubled)")
            }
            if let total = try? order.price.total(quantity: order.quantity), total != order.total {
                problems.append("\(user.username): order \(order.summary): \(order.price) × \(order.quantity) is \(total), not \(order.total)")
            }
            do {
                try running.apply(order)
            } catch {
                problems.append("\(user.username): \(error)")
                continue
            }
            if running.cash != order.cashAfter {
                problems.append("\(user.username): order \(order.summary): cash_after \(order.cashAfter), but the baseline and the orders before it imply \(running.cash) (difference \(difference(order.cashAfter, running.cash)))")
                running.cash = order.cashAfter
            }
        }
        return problems
    }

    static func compare(_ name: String, actual: AccountState, expected: AccountState, orders: Int) -> [String] {
        var problems: [String] = []
        if actual.cash != expected.cash {
            problems.append("\(name): cash \(actual.cash) per GET /trade/account, \(expected.cash) implied by the baseline and \(orders) orders' 201s (difference \(difference(actual.cash, expected.cash)))")
        }
        for symbol in Set(actual.holdings.keys).union(expected.holdings.keys).sorted() {
            let have = actual.holdings[symbol] ?? .init(quantity: 0, costBasis: .zero)
            let want = expected.holdings[symbol] ?? .init(quantity: 0, costBasis: .zero)
            if have.quantity != want.quantity {
                problems.append("\(name): \(symbol) quantity \(have.quantity) per GET /trade/portfolio, \(want.quantity) implied by the 201s (difference \(have.quantity - want.quantity))")
            }
            if have.costBasis != want.costBasis {
                problems.append("\(name): \(symbol) cost basis \(have.costBasis) per GET /trade/portfolio, \(want.costBasis) implied by the 201s (difference \(difference(have.costBasis, want.costBasis)))")
            }
        }
        return problems
    }

    static func compareLedger(_ name: String, ledger: [SuiteReplies.Order], orders: [OrderRecord]) -> [String] {
        var problems: [String] = []
        var received: [Int64: OrderRecord] = [:]
        for order in orders { received[order.id] = order }
        var inLedger: Set<Int64> = []
        for item in ledger {
            if !inLedger.insert(item.id).inserted {
                problems.append("\(name): transaction #\(item.id) listed twice by GET /trade/transactions")
                continue
            }
            guard let record = OrderRecord(item) else {
                problems.append("\(name): transaction #\(item.id) has side \(item.side)")
                continue
            }
            guard let mine = received[item.id] else {
                problems.append("\(name): transaction \(record.summary) is in the ledger but no 201 of this run reported it (doubled or foreign order)")
                continue
            }
            let fields: [(String, String, String)] = [
                ("side", record.side.rawValue, mine.side.rawValue), ("symbol", record.symbol, mine.symbol),
                ("quantity", "\(record.quantity)", "\(mine.quantity)"), ("price", "\(record.price)", "\(mine.price)"),
                ("total", "\(record.total)", "\(mine.total)"), ("fee", "\(record.fee)", "\(mine.fee)"),
                ("cash_after", "\(record.cashAfter)", "\(mine.cashAfter)"),
            ]
            for (field, ledgerValue, replyValue) in fields where ledgerValue != replyValue {
                problems.append("\(name): transaction #\(item.id) \(field) is \(ledgerValue) in the ledger, \(replyValue) in its 201")
            }
        }
        for order in orders where !inLedger.contains(order.id) {
            problems.append("\(name): order \(order.summary) answered 201 but is not in GET /trade/transactions (lost)")
        }
        return problems
    }

    static func difference(_ a: Cents, _ b: Cents) -> String {
        (try? a.subtracting(b)).map { $0.minorUnits > 0 ? "+\($0)" : "\($0)" } ?? "overflow"
    }
}
