import Foundation
import HTTP
import ServiceKit
import TestSupport
import Testing

/// Refused orders (API.md "Trade", "Conventions"): every 400, 401, 404, 422 and 503 is an RFC 9457
/// problem, comes in the documented order (malformed 400, unknown 404, no price 503, then the
/// rules' 422), and changes nothing: cash, holdings and the transaction log are checked after each.
@Suite struct TradeServiceErrorTests {
    struct BadRequest: Sendable, CustomStringConvertible {
        let json: String
        var key: String? = nil
        /// What the problem's `detail` must say, where one wording is the point.
        var detail: String? = nil
        let why: String
        var description: String { why }
    }

    static let badRequests: [BadRequest] = [
        .init(json: #"{"quantity":1}"#, detail: "Missing field 'symbol'.", why: "symbol missing"),
        .init(json: #"{"quantity":1.5}"#, detail: "quantity must be a JSON integer.", why: "symbol missing, quantity a fraction"),
        .init(json: #"{"symbol":"AAPL"}"#, why: "quantity missing"),
        .init(json: #"{"symbol":"AAPL","quantity":"3"}"#, why: "quantity is a string"),
        .init(json: #"{"symbol":"AAPL","quantity":1.5}"#, detail: "quantity must be a JSON integer.", why: "quantity has a fraction"),
        .init(json: #"{"symbol":"AAPL","quantity":1e30}"#, detail: "quantity must be a JSON integer.", why: "quantity in exponent form beyond Int64"),
        .init(json: #"{"symbol":"AAPL","quantity":3.0}"#, detail: "quantity must be a JSON integer.", why: "quantity 3.0 is not a JSON integer"),
        .init(json: #"{"symbol":"AAPL","quantity":1e2}"#, detail: "quantity must be a JSON integer.", why: "quantity in exponent form"),
        .init(json: #"{"symbol":"AAPL","quantity":true}"#, why: "quantity is a boolean"),
        .init(json: #"{"symbol":"AAPL","quantity":null}"#, why: "quantity is null"),
        .init(json: #"{"symbol":"AAPL","quantity":[1]}"#, why: "quantity is an array"),
        .init(json: #"{"symbol":"AAPL","quantity":0}"#, why: "quantity 0"),
        .init(json: #"{"symbol":"AAPL","quantity":-0}"#, why: "quantity -0"),
        .init(json: #"{"symbol":"AAPL","quantity":-1}"#, why: "quantity -1"),
        .init(json: #"{"symbol":"AAPL","quantity":1000001}"#, detail: "quantity must be a whole number of shares from 1 to 1000000.", why: "quantity above 1,000,000"),
        .init(json: #"{"symbol":"AAPL","quantity":99999999999999999999}"#, detail: "quantity must be a whole number of shares from 1 to 1000000.", why: "quantity beyond Int64"),
        .init(json: #"{"note":"\"quantity\":1","symbol":"AAPL","quantity":1.5}"#, why: "a string mentioning quantity does not hide the real one"),
        .init(json: #"{"extra":{"quantity":1},"symbol":"AAPL","quantity":1.5}"#, why: "a nested quantity does not hide the real one"),
        .init(json: #"{"symbol":"AAPL","quantity":1,"quantity":2}"#, detail: "The member 'quantity' appears more than once.", why: "quantity twice"),
        .init(json: #"{"symbol":"AAPL","quantity":1,"qu\u0061ntity":1.5}"#, why: "quantity twice, once escaped"),
        .init(json: #"{"symbol":"AAPL","symbol":"MSFT","quantity":1}"#, detail: "The member 'symbol' appears more than once.", why: "symbol twice"),
        .init(json: #"{"symbol":null,"quantity":1}"#, detail: "Field 'symbol' has the wrong type.", why: "symbol null"),
        .init(json: #"{"symbol":"AAPL","qu\u0061ntity":3.0}"#, why: "an escaped name does not hide a non-integer"),
        .init(json: #"{"symbol":"AAPL","quantity":"#, why: "truncated JSON"),
        .init(json: #"{"symbol":"AAPL","quantity":01}"#, detail: "The request body is not valid JSON.", why: "a leading zero is not JSON"),
        .init(json: #"{"symbol":"AAPL" "quantity":1}"#, why: "a missing comma"),
        .init(json: "", why: "empty body"),
        .init(json: "[]", why: "an array, not an object"),
        .init(json: #"{"symbol":"@@","quantity":1}"#, why: "symbol with bad characters"),
        .init(json: #"{"symbol":"","quantity":1}"#, why: "empty symbol"),
        .init(json: #"{"symbol":"ABCDEFGHIJK","quantity":1}"#, why: "symbol of 11 characters"),
        .init(json: #"{"symbol":"AA PL","quantity":1}"#, why: "symbol with a space"),
        .init(json: #"{"symbol":5,"quantity":1}"#, why: "symbol is a number"),
        .init(json: #"{"symbol":"AAPL","quantity":1}"#, key: String(repeating: "k", count: 256), why: "Idempotency-Key of 256 characters"),
        .init(json: #"{"symbol":"AAPL","quantity":1}"#, key: "a b", why: "Idempotency-Key with a space"),
        .init(json: #"{"symbol":"NOPE","quantity":0}"#, why: "bad quantity with an unknown symbol is 400, not 404"),
        .init(json: #"{"symbol":"NOPE","quantity":1}"#, key: "a b", why: "bad key with an unknown symbol is 400, not 404"),
    ]

    @Test func malformedOrdersAre400AndChangeNothing() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            #expect(try await trade.order("buy", "AAPL", 5, token: token).status == 201)
            let before = try await TradeSnapshot.take(trade.client, token: token)
            for side in ["buy", "sell"] {
                for row in Self.badRequests {
                    let reply = try await trade.order(side, json: row.json, token: token, key: row.key)
                    #expect(reply.isTradeProblem(400, "/problems/invalid-request"), "\(side): \(row.why): \(reply.status) \(reply.text)")
                    if let detail = row.detail { #expect(reply.string("detail") == detail, "\(side): \(row.why): \(reply.text)") }
                }
            }
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before)
        }
    }

    @Test func validOrderBoundariesExecute() async throws {
        try await TradeHarness.with(.init(initialCash: "1000000.00")) { trade in
            let token = try await trade.token(1)
            // One share costs the least that executes: 0.01 (a total of 0.00 is 422, TradeOrderMinimumTests).
            trade.setPrice("PENNY", "0.0100")
            let rows: [(json: String, key: String?, why: String)] = [
                (#"{"symbol":"PENNY","quantity":1000000}"#, nil, "1,000,000 shares is the maximum"),
                (#"{"symbol":"penny","quantity":1}"#, nil, "symbols match case-insensitively"),
                (#" { "quantity" : 1 , "symbol" : "PENNY" } "#, nil, "whitespace and member order do not matter"),
                (#"{"extra":{"quantity":1.5},"symbol":"PENNY","quantity":1}"#, nil, "only the top-level quantity counts"),
                (#"{"symbol":"PENNY","quantity":1}"#, String(repeating: "k", count: 255), "an Idempotency-Key of 255 characters"),
                (#"{"symbol":"PENNY","quantity":1}"#, "!~", "a key of visible ASCII"),
            ]
            for row in rows {
                let reply = try await trade.order("buy", json: row.json, token: token, key: row.key)
                #expect(reply.status == 201, "\(row.why): \(reply.text)")
                #expect(reply.transaction?.symbol == "PENNY", "\(row.why)")
            }
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.transactions.count == rows.count)
        }
    }

    @Test func everyRouteIs401WithoutAValidTokenAndNothingChanges() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            #expect(try await trade.order("buy", "AAPL", 5, token: token).status == 201)
            let before = try await TradeSnapshot.take(trade.client, token: token)
            let otherSecret = await TokenService(secret: "another-secret-0123456789-abcdefghijklmn")
            let forged = try await otherSecret.issue(userID: 1, username: "user1", ttlSeconds: 600)
            let expired = try await trade.tokens.issue(userID: 1, username: "user1", ttlSeconds: 60,
                                                       now: Date().addingTimeInterval(-3600))
            let authorizations: [(value: String?, why: String)] = [
                (nil, "no Authorization"),
                ("Bearer", "Bearer without a token"),
                ("Bearer not-a-jwt", "garbage token"),
                ("Bearer \(forged)", "signed with another secret"),
                ("Bearer \(expired)", "expired an hour ago"),
                ("Basic dXNlcjpwYXNz", "another scheme"),
                ("Bearer \(token)x", "a tampered signature"),
            ]
            let routes: [(method: String, target: String, json: String?)] = [
                ("GET", "/trade/account", nil), ("GET", "/trade/portfolio", nil), ("GET", "/trade/transactions", nil),
                ("POST", "/trade/buy", #"{"symbol":"AAPL","quantity":1}"#),
                ("POST", "/trade/sell", #"{"symbol":"AAPL","quantity":1}"#),
            ]
            for authorization in authorizations {
                for route in routes {
                    var headers = HTTPHeaders()
                    if let value = authorization.value { headers.add("Authorization", value) }
                    let reply = try await trade.client.send(route.method, route.target, headers: headers, json: route.json)
                    #expect(reply.isTradeProblem(401), "\(route.method) \(route.target), \(authorization.why): \(reply.status)")
                    #expect(reply.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true, "\(authorization.why)")
                }
            }
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before)
        }
    }

    @Test func anUnknownSymbolIs404EvenWhenTheRulesWouldRefuseAndNothingChanges() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            #expect(try await trade.order("buy", "AAPL", 5, token: token).status == 201)
            let before = try await TradeSnapshot.take(trade.client, token: token)
            let rows: [(side: String, quantity: Int, why: String)] = [
                ("buy", 1, "an affordable buy"),
                ("buy", 1_000_000, "a buy no cash could cover is still 404, not 422"),
                ("sell", 1, "a sell of a symbol never held is 404 when the symbol is unknown"),
            ]
            for row in rows {
                let reply = try await trade.order(row.side, "NOPE", row.quantity, token: token)
                #expect(reply.isTradeProblem(404), "\(row.why): \(reply.status) \(reply.text)")
            }
            trade.fake?.setMode(.emptyQuote)
            let empty = try await trade.order("buy", "AAPL", 1, token: token)
            #expect(empty.isTradeProblem(404), "an empty Global Quote means unknown: \(empty.text)")
            trade.fake?.setMode(.normal)
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before)
        }
    }

    @Test func businessRulesAre422AfterThePriceLookup() async throws {
        try await TradeHarness.with(.init(initialCash: "100.00")) { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "10.00")
            trade.setPrice("MSFT", "10.00")
            #expect(try await trade.order("buy", "AAPL", 2, token: token).status == 201)
            let before = try await TradeSnapshot.take(trade.client, token: token)
            let rows: [(side: String, symbol: String, quantity: Int, type: String, why: String)] = [
                ("sell", "MSFT", 1, "/problems/insufficient-shares", "a known symbol never held"),
                ("sell", "AAPL", 3, "/problems/insufficient-shares", "more shares than held"),
                ("buy", "AAPL", 9, "/problems/insufficient-funds", "90.00 against 80.00 of cash"),
                ("buy", "MSFT", 1_000_000, "/problems/insufficient-funds", "the largest order"),
            ]
            for row in rows {
                let reply = try await trade.order(row.side, row.symbol, row.quantity, token: token)
                #expect(reply.isTradeProblem(422, row.type), "\(row.why): \(reply.status) \(reply.text)")
            }
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before)
        }
    }

    @Test func noPriceIs503BeforeAny422AndNothingChanges() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            trade.setPrice("MSFT", "100.00")
            #expect(try await trade.order("buy", "AAPL", 5, token: token).status == 201)
            let before = try await TradeSnapshot.take(trade.client, token: token)
            for mode: FakeProvider.Mode in [.http500, .information, .garbage] {
                trade.fake?.setMode(mode)
                // MSFT was never fetched, so the stock service has nothing stored: 503.
                let rows: [(side: String, quantity: Int, why: String)] = [
                    ("buy", 1, "an affordable buy"), ("buy", 1_000_000, "an unaffordable buy is 503, not 422"),
                    ("sell", 1, "a sell of shares never held is 503, not 422"),
                ]
                for row in rows {
                    let reply = try await trade.order(row.side, "MSFT", row.quantity, token: token)
                    #expect(reply.isTradeProblem(503), "\(mode), \(row.why): \(reply.status) \(reply.text)")
                }
            }
            trade.fake?.setMode(.normal)
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before)
        }
    }

    @Test func whenTheProviderIsDownAStoredQuoteStillPricesTheOrder() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            #expect(try await trade.order("buy", "AAPL", 1, token: token).status == 201)
            trade.fake?.setMode(.http500)
            trade.setPrice("AAPL", "120.00")  // not seen: the provider is down
            let reply = try await trade.order("sell", "AAPL", 1, token: token)
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.transaction?.total == "100.00", "the stored quote")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
        }
    }

    @Test func anUnreachableStockServiceIs503AndNothingChanges() async throws {
        try await TradeHarness.with(.init(market: .closedPort)) { trade in
            let token = try await trade.token(1)
            let before = try await TradeSnapshot.take(trade.client, token: token)
            #expect(before.cash == "10000.00")
            for (side, quantity) in [("buy", 1), ("buy", 1_000_000), ("sell", 1)] {
                let reply = try await trade.order(side, "AAPL", quantity, token: token)
                #expect(reply.isTradeProblem(503), "\(side) \(quantity): \(reply.status) \(reply.text)")
            }
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before)
        }
    }

    @Test func aStockServiceThatNeverAnswersIs503AfterTheUpstreamTimeoutAndNothingChanges() async throws {
        try await TradeHarness.with(.init(market: .silent, upstreamTimeoutMs: 400)) { trade in
            let token = try await trade.token(1)
            let before = try await TradeSnapshot.take(trade.client, token: token)
            let started = ContinuousClock.now
            let reply = try await trade.order("buy", "AAPL", 1, token: token, key: "silent-1")
            let waited = ContinuousClock.now - started
            #expect(reply.isTradeProblem(503, "/problems/price-unavailable"), "\(reply.status) \(reply.text)")
            #expect(waited >= .milliseconds(350) && waited < .seconds(5), "answered after \(waited)")
            #expect(trade.silentStock?.requestCount == 1, "the price was asked for once")
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before)
        }
    }
}
