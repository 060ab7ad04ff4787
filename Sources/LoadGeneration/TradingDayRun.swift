import HTTP
import Money
import Sockets

/// The timed part, on the client's one event loop: every millisecond (and after every response) the
/// users whose next request is due send it (``OpenLoopDriver``); each response is counted against its
/// due time; orders are recorded for verification. Everything here runs on that loop's thread, so
/// nothing is locked; `@unchecked Sendable` because response callbacks are `@Sendable` closures that
/// only ever run on the same thread.
final class TradingDayRun: @unchecked Sendable {
    /// Why a run is past its end with requests still out: the longest it waits for them after the end.
    let drainMax: Duration
    /// Retries of one order (same `Idempotency-Key`) before its outcome is left to verification.
    static let orderAttemptsMax = 5
    static let orderRetryDelay: Duration = .milliseconds(100)
    /// Orders the run records for verification (about 72 bytes each, so 72 MB): past it buys and
    /// sells are drawn as quotes, and the report's counts show it. At this suite's 8% of orders and
    /// 8,000 requests/s, 26 minutes.
    static let ordersRecordedMax = 1_000_000

    private let client: SuiteClient
    private let options: LoadOptions
    private let market: SessionSetup.Market
    private(set) var users: [VirtualUser]
    private(set) var stats: [OperationStats]
    private var driver: OpenLoopDriver
    private var random: LoadRandom
    private let runTag: String
    private var due: [OpenLoopDriver.Due] = []
    /// Orders waiting to be sent again, at most one per user (a user waits for its order).
    private var retries: [(at: ContinuousClock.Instant, user: Int, due: ContinuousClock.Instant, order: VirtualUser.PendingOrder, attempt: Int)] = []
    /// The order each user has out, if any: unresolved if the run ends before its answer.
    private var ordersOut: [VirtualUser.PendingOrder?]
    private var ordersSent = 0
    private var secondsClosed = 0
    private var finished = false
    private var continuation: CheckedContinuation<Void, Never>?
    private var tickID = 0
    private let progress: ProgressLine?

    init(client: SuiteClient, options: LoadOptions, market: SessionSetup.Market, users: [VirtualUser],
         stats: [OperationStats], start: ContinuousClock.Instant, runTag: String) {
        self.client = client
        self.options = options
        self.market = market
        self.users = users
        self.stats = stats
        self.runTag = runTag
        drainMax = options.timeout + .seconds(1)
        driver = OpenLoopDriver(schedule: OpenLoopSchedule(start: start, rate: options.rate, users: users.count),
                                end: start + options.duration)
        random = LoadRandom(seed: options.seed &* 0x2545_F491_4F6C_DD1D)
        ordersOut = Array(repeating: nil, count: users.count)
        progress = options.progress ? ProgressLine(rate: options.rate) : nil
    }

    /// Runs the timed part and its drain; returns when every request has an answer or the drain ran out.
    func run() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            client.loop.execute { [self] in
                self.continuation = continuation
                tickID = client.loop.onTick(every: .milliseconds(1)) { [self] in tick() }
                tick()
            }
        }
    }

    /// Requests due but never sent: users were still waiting for earlier answers at the end.
    var unsentCount: Int { driver.unsentCount }
    var sentCount: Int { driver.sentCount }

    private var start: ContinuousClock.Instant { driver.schedule.start }

    private func tick() {
        guard !finished else { return }
        let now = ContinuousClock.now
        while start + .seconds(secondsClosed + 1) <= now {
            secondsClosed += 1
            for index in stats.indices { stats[index].closeSecond(secondsClosed) }
            progress?.print(second: secondsClosed, stats: stats, usersBusy: driver.busyCount)
        }
        if !retries.isEmpty { sendRetries(now) }
        pump(now)
        if now >= driver.end && driver.busyCount == 0 || now >= driver.end + drainMax {
            finish()
        }
    }

    private func pump(_ now: ContinuousClock.Instant) {
        due.removeAll(keepingCapacity: true)
        driver.takeDue(at: now, into: &due)
        for request in due { send(request, now: now) }
    }

    private func finish() {
        finished = true
        client.loop.cancelTick(tickID)
        for user in users.indices {
            if let order = ordersOut[user] { users[user].unresolved.append(order) }
        }
        for retry in retries { users[retry.user].unresolved.append(retry.order) }
        retries.removeAll()
        progress?.end()
        continuation?.resume()
        continuation = nil
    }

    // MARK: choosing and sending

    private func send(_ request: OpenLoopDriver.Due, now: ContinuousClock.Instant) {
        let user = request.user
        if now >= users[user].tokenRenewal {
            let credentials = Array(#"{"username":"\#(users[user].username)","password":"\#(options.password)"}"#.utf8)
            exchange(.login, SuiteClient.request("POST", "/auth/login", json: credentials), user: user, due: request.dueTime)
            return
        }
        let token = users[user].token
        let drawn = choose(for: user)
        switch drawn {
        case .quote:
            let symbol = market.symbols[random.below(market.symbols.count)]
            exchange(.quote, SuiteClient.request("GET", "/stocks/" + symbol), user: user, due: request.dueTime)
        case .portfolio:
            exchange(.portfolio, SuiteClient.request("GET", "/trade/portfolio", token: token), user: user, due: request.dueTime)
        case .account:
            exchange(.account, SuiteClient.request("GET", "/trade/account", token: token), user: user, due: request.dueTime)
        case .history:
            exchange(.history, SuiteClient.request("GET", "/trade/transactions?limit=20", token: token), user: user, due: request.dueTime)
        case .buy, .sell, .register, .login:
            let order = nextOrder(for: user, drawn: drawn)
            ordersOut[user] = order
            sendOrder(order, user: user, due: request.dueTime, attempt: 1)
        }
    }

    /// The mix's draw, turned into what the user can do: a buy it cannot afford becomes a sell, a sell
    /// with nothing to sell a buy (or a quote when neither is possible), so that the run's 422s mean a
    /// server's mistake, not the generator's.
    private func choose(for user: Int) -> LoadOperation {
        let drawn = options.mix.operation(for: random.below(options.mix.total))
        guard drawn == .buy || drawn == .sell else { return drawn }
        guard ordersSent < Self.ordersRecordedMax else { return .quote }
        let canSell = !users[user].knownShares.isEmpty
        let canBuy = users[user].knownCash.minorUnits >= cheapestCostCents
        switch drawn {
        case .buy: return canBuy ? .buy : (canSell ? .sell : .quote)
        default: return canSell ? .sell : (canBuy ? .buy : .quote)
        }
    }

    private lazy var cheapestCostCents: Int64 = market.prices.map { Self.cautiousCostCents($0, quantity: 1) }.min() ?? 0

    /// What `quantity` shares may cost by the time the order runs: the listed price plus 10% (the
    /// simulated market moves a few percent a day), rounded up to the cent.
    static func cautiousCostCents(_ price: Price, quantity: Int64) -> Int64 {
        (price.minorUnits * quantity * 11 + 999) / 1000
    }

    private func nextOrder(for user: Int, drawn: LoadOperation) -> VirtualUser.PendingOrder {
        users[user].orderCount += 1
        ordersSent += 1
        let key = "\(runTag)-\(user + 1)-\(users[user].orderCount)"
        if drawn == .sell, let held = users[user].knownShares.sorted(by: { $0.key < $1.key }).randomElement(using: &random) {
            let quantity = Int64(1 + random.below(Int(min(held.value, 3))))
            return .init(side: .sell, symbol: held.key, quantity: quantity, idempotencyKey: key)
        }
        let cash = users[user].knownCash.minorUnits
        var pick = random.below(market.symbols.count)
        for _ in 0..<market.symbols.count where Self.cautiousCostCents(market.prices[pick], quantity: 1) > cash {
            pick = (pick + 1) % market.symbols.count
        }
        var quantity = Int64(1 + random.below(3))
        while quantity > 1 && Self.cautiousCostCents(market.prices[pick], quantity: quantity) > cash { quantity -= 1 }
        return .init(side: .buy, symbol: market.symbols[pick], quantity: quantity, idempotencyKey: key)
    }

    private func sendOrder(_ order: VirtualUser.PendingOrder, user: Int, due: ContinuousClock.Instant, attempt: Int) {
        let operation: LoadOperation = order.side == .buy ? .buy : .sell
        let request = SuiteClient.request("POST", order.target, token: users[user].token, json: order.body,
                                          idempotencyKey: order.idempotencyKey)
        client.sendOnLoop(request) { [self] outcome in
            guard !finished else { return }
            let now = ContinuousClock.now
            switch outcome {
            case .response(201, let body):
                guard let record = OrderRecord(body: body) else {
                    done(operation, "unreadable", user: user, due: due, now: now)
                    users[user].unresolved.append(order)
                    return
                }
                users[user].record(record)
                done(operation, "201", user: user, due: due, now: now)
            case .response(let status, _) where status < 500 && status != 409:
                // A 4xx changed nothing (API.md): the order is settled.
                done(operation, String(status), user: user, due: due, now: now)
            default:
                // No answer, a 5xx or 409 in-flight: it may or may not have run. The same key again
                // settles it (the first execution's 201, or a first execution now).
                guard attempt < Self.orderAttemptsMax else {
                    users[user].unresolved.append(order)
                    done(operation, outcome.label, user: user, due: due, now: now)
                    return
                }
                stats[operation.rawValue].countRetry()
                retries.append((now + Self.orderRetryDelay, user, due, order, attempt + 1))
            }
        }
    }

    private func sendRetries(_ now: ContinuousClock.Instant) {
        var waiting: [(at: ContinuousClock.Instant, user: Int, due: ContinuousClock.Instant, order: VirtualUser.PendingOrder, attempt: Int)] = []
        for retry in retries {
            if retry.at <= now {
                sendOrder(retry.order, user: retry.user, due: retry.due, attempt: retry.attempt)
            } else {
                waiting.append(retry)
            }
        }
        retries = waiting
    }

    private func exchange(_ operation: LoadOperation, _ request: ClientRequest, user: Int, due: ContinuousClock.Instant) {
        client.sendOnLoop(request) { [self] outcome in
            guard !finished else { return }
            let now = ContinuousClock.now
            if operation == .login, case .response(200, let body) = outcome,
               let login = SuiteReplies.decode(SuiteReplies.Login.self, body) {
                users[user].token = login.access_token
                users[user].tokenRenewal = SessionSetup.renewal(expiresIn: login.expires_in, now: now)
            }
            done(operation, outcome.label, user: user, due: due, now: now)
        }
    }

    /// The user's request is over: count it from its due time, and let the user go on.
    private func done(_ operation: LoadOperation, _ outcome: String, user: Int, due: ContinuousClock.Instant,
                      now: ContinuousClock.Instant) {
        stats[operation.rawValue].record(outcome: outcome, microseconds: (now - due).wholeMicroseconds)
        ordersOut[user] = nil
        driver.finished(user: user)
        pump(now)
    }
}
