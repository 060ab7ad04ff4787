import Foundation
import HTTP
import Money
import Routing
import ServiceKit

/// The order routes (API.md "Orders beyond market").
extension TradeHandlers {
    private struct PlaceOrderBody: Decodable, OrderQuantity {
        let symbol: String
        let side: String
        let quantity: Int64
        let type: String
        let time_in_force: String
        let limit_price: String?
        let stop_price: String?
    }

    /// A price member: absent or `null` is nil; a JSON string of up to 4 decimals above zero, else 400.
    private static func price(_ text: String?, name: String) throws -> Price? {
        guard let text else { return nil }
        guard let price = Price(parsing: text), price.minorUnits > 0, price.minorUnits < 1_000_000_000_0000 else {
            throw HTTPError.invalidRequest("\(name) must be a decimal string above 0 and below 1000000000 with at most 4 decimals, like \"187.25\".")
        }
        return price
    }

    /// `POST /trade/orders`: 400s first (body, fields, prices, key), then the price lookup (404,
    /// 503), then the business rules in the ledger's transaction (422).
    func placeOrder(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let deadline = ContinuousClock.now + .milliseconds(config.upstreamTimeoutMs)
        let user = try context.requireUser()
        let body = try Self.decodeOrder(PlaceOrderBody.self, from: request)
        let symbol = try Self.symbol(body.symbol)
        guard let side = Order.Side(rawValue: body.side) else { throw HTTPError.invalidRequest("side must be \"buy\" or \"sell\".") }
        guard let kind = TradeOrder.Kind(rawValue: body.type) else {
            throw HTTPError.invalidRequest("type must be \"market\", \"limit\", \"stop\" or \"stop_limit\".")
        }
        guard let timeInForce = TradeOrder.TimeInForce(rawValue: body.time_in_force) else {
            throw HTTPError.invalidRequest("time_in_force must be \"day\", \"gtc\", \"ioc\" or \"fok\".")
        }
        // A JSON number where a price belongs already failed to decode as a string (400 above).
        let limitPrice = try Self.price(body.limit_price, name: "limit_price")
        let stopPrice = try Self.price(body.stop_price, name: "stop_price")
        let needsLimit = kind == .limit || kind == .stop_limit
        let needsStop = kind == .stop || kind == .stop_limit
        // A price the type does not use is refused rather than ignored: it is a client's mistake
        // about what it ordered (a "limit" sent as type market would otherwise trade at any price).
        guard needsLimit == (limitPrice != nil) else {
            throw HTTPError.invalidRequest(needsLimit ? "limit_price is required for \(kind.rawValue) orders."
                                                      : "limit_price is only for limit and stop_limit orders.")
        }
        guard needsStop == (stopPrice != nil) else {
            throw HTTPError.invalidRequest(needsStop ? "stop_price is required for \(kind.rawValue) orders."
                                                     : "stop_price is only for stop and stop_limit orders.")
        }
        let fingerprint = [request.method, String(request.path), symbol, side.rawValue, String(body.quantity), kind.rawValue,
                           timeInForce.rawValue, limitPrice?.description ?? "-", stopPrice?.description ?? "-"]
            .joined(separator: " ")
        return try await keyed(request, user: user, side: side, fingerprint: fingerprint) { idempotency in
            let price = try await currentPrice(symbol, context: context)
            let order = OrderRequest(userID: user.id, symbol: symbol, side: side, quantity: body.quantity, kind: kind,
                                     timeInForce: timeInForce, limitPrice: limitPrice, stopPrice: stopPrice, price: price,
                                     idempotency: idempotency)
            switch await ledger.place(order, deadline: deadline) {
            case .success(let placed):
                TradeMetrics.order(side, outcome: "placed")
                return HTTPResponse(status: 201, contentType: JSONCoding.contentType, body: try placed.body.jsonBytes())
            case .failure(let error):
                TradeMetrics.order(side, outcome: (error as? OrderRejection)?.outcome ?? "error")
                throw error
            }
        }
    }

    /// `GET /trade/orders?status=open|closed|all&limit=N&before=ID` (status `open` by default, as Alpaca's).
    func listOrders(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let user = try context.requireUser()
        let filter: OrderFilter
        if let raw = request.queryParameter("status") {
            guard let parsed = OrderFilter(rawValue: String(raw)) else {
                throw HTTPError.invalidRequest("status must be open, closed or all.")
            }
            filter = parsed
        } else {
            filter = .open
        }
        let limit = try Self.digits(request.queryParameter("limit"), name: "limit", range: 1...100) ?? 50
        let before = try Self.digits(request.queryParameter("before"), name: "before", range: 1...Int(Int64.max))
        let page = try await ledger.orders(userID: user.id, filter: filter, limit: limit, before: before.map(Int64.init))
        return try JSONCoding.response(OrdersPage(orders: page.items.map(\.body), next: page.next))
    }

    /// `GET /trade/orders/{id}`: another user's order is 404 like a missing one.
    func getOrder(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let user = try context.requireUser()
        let id = try Self.orderID(context)
        guard let order = try await ledger.order(userID: user.id, id: id) else { throw OrderRejection.orderNotFound }
        return try JSONCoding.response(order.body)
    }

    /// `DELETE /trade/orders/{id}`: 200 with the canceled order; 409 once it is closed.
    func cancelOrder(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let deadline = ContinuousClock.now + .milliseconds(config.upstreamTimeoutMs)
        let user = try context.requireUser()
        let id = try Self.orderID(context)
        switch await ledger.cancel(userID: user.id, orderID: id, deadline: deadline) {
        case .success(let order): return try JSONCoding.response(order.body)
        case .failure(let error): throw error
        }
    }

    private static func orderID(_ context: RequestContext) throws -> Int64 {
        let raw = context.parameter("id")
        return Int64(try digits(Substring(raw), name: "order id", range: 1...Int(Int64.max))!)
    }
}
