import Foundation
import HTTP
import Metrics
import Money
import Routing
import ServiceKit

/// The trade routes' handlers (API.md "Trade").
struct TradeHandlers: Sendable {
    let config: TradeConfig
    let ledger: Ledger
    let stock: StockPriceClient
    let gate: IdempotencyGate
    let lastPrices: LastPrices

    // MARK: - Orders

    func buy(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try await order(.buy, request, context)
    }

    func sell(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try await order(.sell, request, context)
    }

    private static let quantityNotInteger = HTTPError.invalidRequest("quantity must be a JSON integer.")
    private static let quantityOutOfRange =
        HTTPError.invalidRequest("quantity must be a whole number of shares from 1 to 1000000.")

    /// A digit or the minus sign: what an integer token is made of, and how any number token starts.
    private static func isIntegerByte(_ byte: UInt8) -> Bool { (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-") }

    /// An integer token as JSON writes it (`3.0` and `1e2` decode into an Int but are not integers).
    private static func isIntegerToken(_ raw: Substring) -> Bool { !raw.isEmpty && raw.utf8.allSatisfy(isIntegerByte) }

    /// A JSON number token (what JSONSerialization already accepted, so only its first byte matters).
    private static func isNumberToken(_ raw: Substring) -> Bool { raw.utf8.first.map(isIntegerByte) ?? false }

    private struct OrderRequestBody: Decodable, OrderQuantity {
        let symbol: String
        let quantity: Int64
    }

    /// Decodes an order body whose `quantity` must be a JSON integer of 1 to 1,000,000 shares.
    static func decodeOrder<Body: Decodable & OrderQuantity>(_ type: Body.Type, from request: HTTPRequest) throws -> Body {
        let body: Body
        do {
            body = try JSONCoding.decode(Body.self, from: request)
        } catch {
            // JSONDecoder reports a number an Int64 cannot hold (`1.5`, `1e30`, 20 digits) as
            // unreadable JSON without naming the field. When that number is what failed (valid JSON,
            // no member twice), say so; every other failure keeps its own message.
            if let raw = JSONCoding.rawMember("quantity", in: request.body), Self.isNumberToken(raw),
               Int64(raw) == nil, JSONCoding.duplicateMember(in: request.body) == nil,
               (try? JSONSerialization.jsonObject(with: Data(request.body))) != nil {
                throw Self.isIntegerToken(raw) ? Self.quantityOutOfRange : Self.quantityNotInteger
            }
            throw error
        }
        guard let raw = JSONCoding.rawMember("quantity", in: request.body), Self.isIntegerToken(raw)
        else { throw Self.quantityNotInteger }
        guard (1...1_000_000).contains(body.quantity) else { throw Self.quantityOutOfRange }
        return body
    }

    /// The common order body (`{"symbol":"KO","quantity":1}`, a string and an in-range integer, no
    /// other member) read without JSONDecoder (``PlainJSONObject``); `nil` sends every other body
    /// through ``decodeOrder(_:from:)``, which gives the same result for this one.
    private static func plainOrder(_ body: [UInt8]) -> OrderRequestBody? {
        guard let object = PlainJSONObject(body), object.members.count == 2,
              case .string(let symbol)? = object["symbol"], case .integer(let quantity)? = object["quantity"],
              (1...1_000_000).contains(quantity)
        else { return nil }
        return OrderRequestBody(symbol: symbol, quantity: quantity)
    }

    static func symbol(_ raw: String) throws -> String {
        guard let symbol = StockSymbol.normalize(raw) else {
            throw HTTPError.invalidRequest("symbol must be 1 to 10 characters of A-Z, 0-9, '.' and '-'.")
        }
        return symbol
    }

    private func order(_ side: Order.Side, _ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        // The order's whole budget (price lookup, queue, lock) is UPSTREAM_TIMEOUT_MS from here: the
        // gateway waits that plus `GatewayConfig.tradeCommitGraceMs`, so an order either executes in
        // time for its 201 to reach the client or is refused (503) without executing.
        let deadline = ContinuousClock.now + .milliseconds(config.upstreamTimeoutMs)
        let user = try context.requireUser()
        // 400s first: body, symbol, quantity, key (API.md: malformed, then unknown, then rules).
        let body = try Self.plainOrder(request.body) ?? Self.decodeOrder(OrderRequestBody.self, from: request)
        let symbol = try Self.symbol(body.symbol)
        return try await keyed(request, user: user, side: side,
                               fingerprint: "\(request.method) \(request.path) \(symbol) \(body.quantity)") { idempotency in
            try await execute(side, symbol: symbol, quantity: body.quantity, user: user, idempotency: idempotency,
                              deadline: deadline, context: context)
        }
    }

    /// Runs `run` under the request's `Idempotency-Key`, if any: a replay answers the stored
    /// response, a key in use is 409, a key used with another request (`fingerprint`) is 422.
    /// `fingerprint` is built only for a keyed request.
    func keyed(_ request: HTTPRequest, user: AuthenticatedUser, side: Order.Side, fingerprint makeFingerprint: @autoclosure () -> String,
               run: ((key: String, fingerprint: String)?) async throws -> HTTPResponse) async throws -> HTTPResponse {
        guard let key = request.headers["Idempotency-Key"] else { return try await run(nil) }
        let fingerprint = makeFingerprint()
        guard IdempotencyGate.isValid(key) else {
            throw HTTPError.invalidRequest("Idempotency-Key must be 1 to 255 visible ASCII characters.")
        }
        guard gate.claim(userID: user.id, key: key) else { throw OrderRejection.idempotencyKeyInFlight }
        defer { gate.release(userID: user.id, key: key) }
        let notBefore = Int64(Date().timeIntervalSince1970 * 1000) - Int64(config.idempotencyTTLSeconds) * 1000
        if let stored = try await ledger.storedResponse(userID: user.id, key: key, notBeforeMs: notBefore) {
            guard stored.fingerprint == fingerprint else { throw OrderRejection.idempotencyKeyReused }
            TradeMetrics.order(side, outcome: "replayed")
            return HTTPResponse(status: stored.status, contentType: JSONCoding.contentType, body: stored.body,
                                headers: ["Idempotent-Replayed": "true"])
        }
        return try await run((key, fingerprint))
    }

    private func execute(_ side: Order.Side, symbol: String, quantity: Int64, user: AuthenticatedUser,
                         idempotency: (key: String, fingerprint: String)?, deadline: ContinuousClock.Instant,
                         context: RequestContext) async throws -> HTTPResponse {
        let price = try await currentPrice(symbol, context: context)
        let order = Order(userID: user.id, side: side, symbol: symbol, quantity: quantity, price: price,
                          idempotency: idempotency, deadline: deadline)
        switch await ledger.execute(order) {
        case .success(let body):
            TradeMetrics.order(side, outcome: "executed")
            return HTTPResponse(status: 201, contentType: JSONCoding.contentType, body: try body.jsonBytes())
        case .failure(let error):
            TradeMetrics.order(side, outcome: (error as? any ProblemOutcome)?.outcome ?? "error")
            throw error
        }
    }

    /// The current price, or 404/503 before anything changes.
    func currentPrice(_ symbol: String, context: RequestContext) async throws -> Price {
        let start = ContinuousClock.now
        let result = await stock.price(symbol, requestID: context.requestID)
        TradeMetrics.priceLookup.recordInterval(ContinuousClock.now - start)
        switch result {
        case .success(let price):
            lastPrices.remember(symbol, price)
            return price
        case .failure(.unknownSymbol):
            throw OrderRejection.unknownSymbol(symbol)
        case .failure(.unavailable):
            throw OrderRejection.priceUnavailable
        }
    }

    // MARK: - Reads

    func account(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let user = try context.requireUser()
        let (cash, reserved, holdings) = try await ledger.account(userID: user.id)
        let valuation = await value(holdings, context: context)
        let holdingsValue = try valuation.holdingsValue()
        return try AccountBody(cash: cash, reserved: reserved, buying_power: try cash.subtracting(reserved), currency: "USD",
                               holdings_value: holdingsValue, total_value: try cash.adding(holdingsValue),
                               prices_stale: valuation.stale ? true : nil).response()
    }

    func portfolio(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let user = try context.requireUser()
        let (cash, _, holdings) = try await ledger.account(userID: user.id)
        let valuation = await value(holdings, context: context)
        let lines = try valuation.lines.map { line -> HoldingBody in
            let marketValue = try line.price.total(quantity: line.holding.quantity)
            return HoldingBody(symbol: line.holding.symbol, quantity: line.holding.quantity,
                               avg_cost: AverageCost(try line.holding.costBasis.perShare(line.holding.quantity)),
                               cost_basis: line.holding.costBasis, price: line.price, market_value: marketValue,
                               unrealized_pl: try marketValue.subtracting(line.holding.costBasis))
        }
        return try PortfolioBody(holdings: lines, cash: cash, total_value: try cash.adding(try valuation.holdingsValue()),
                                 prices_stale: valuation.stale ? true : nil).response()
    }

    /// Prices every holding concurrently; a holding whose price cannot be had uses the last one seen.
    private func value(_ holdings: [Holding], context: RequestContext) async -> Valuation {
        let prices: [Price?]
        if holdings.count == 1 {
            // One holding (the common account) needs no child task.
            prices = [await price(holdings[0].symbol, context: context)]
        } else {
            prices = await withTaskGroup(of: (Int, Price?).self) { group in
                for (index, holding) in holdings.enumerated() {
                    group.addTask { (index, await price(holding.symbol, context: context)) }
                }
                var prices = [Price?](repeating: nil, count: holdings.count)
                for await (index, price) in group { prices[index] = price }
                return prices
            }
        }
        var stale = false
        var lines: [Valuation.Line] = []
        for (holding, fresh) in zip(holdings, prices) {
            if let fresh {
                lastPrices.remember(holding.symbol, fresh)
                lines.append(.init(holding: holding, price: fresh))
            } else {
                stale = true
                // Never priced at all is impossible (a buy recorded one); cost is the floor fallback.
                let last = lastPrices.last(holding.symbol) ?? (try? holding.costBasis.perShare(holding.quantity)) ?? Price(minorUnits: 0)
                lines.append(.init(holding: holding, price: last))
            }
        }
        return Valuation(lines: lines, stale: stale)
    }

    /// One holding's current price, or nil; a single holding is priced without a task group.
    private func price(_ symbol: String, context: RequestContext) async -> Price? {
        if case .success(let price) = await stock.price(symbol, requestID: context.requestID) { return price }
        return nil
    }

    func transactions(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let user = try context.requireUser()
        let limit = try Self.digits(request.queryParameter("limit"), name: "limit", range: 1...100) ?? 50
        let before = try Self.digits(request.queryParameter("before"), name: "before", range: 1...Int(Int64.max))
        let page = try await ledger.transactions(userID: user.id, limit: limit, before: before.map(Int64.init))
        return try TransactionsPage(transactions: page.items, next: page.next).response()
    }

    /// A query value of plain digits within `range`; `nil` when absent.
    static func digits(_ raw: Substring?, name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let raw else { return nil }
        guard !raw.isEmpty, raw.utf8.count <= 19, raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(raw), range.contains(value)
        else { throw HTTPError.invalidRequest("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound).") }
        return value
    }
}

/// An order body's share count, checked the same way on every order route.
protocol OrderQuantity {
    var quantity: Int64 { get }
}

/// Orders by side and outcome.
enum TradeMetrics {
    /// The handles of every order: the shared cache builds a key string per lookup (bench/RESULTS.md).
    private static let executed = (buy: counter(.buy, outcome: "executed"), sell: counter(.sell, outcome: "executed"))
    static let priceLookup = ServiceMetrics.timer("price_lookup_duration_seconds")

    static func order(_ side: Order.Side, outcome: String) {
        guard outcome == "executed" else { return counter(side, outcome: outcome).increment() }
        (side == .buy ? executed.buy : executed.sell).increment()
    }

    private static func counter(_ side: Order.Side, outcome: String) -> CoreMetrics.Counter {
        // Cached handle: this runs for every order.
        ServiceMetrics.counter("orders_total", [("side", side.rawValue), ("outcome", outcome)])
    }
}
