import Foundation
import HTTP
import TestSupport
import Testing

/// The order routes over a real socket, against the stock service in live mode before a fake
/// provider (API.md "Orders beyond market"): shapes, every 400, 404, 409 and 422 with nothing
/// changed, paging, idempotent retries, and the matcher filling a resting order when the fake's
/// price crosses.
@Suite struct TradeOrderRouteTests {
    static let orderKeys: Set<String> = ["id", "symbol", "side", "quantity", "type", "time_in_force", "limit_price",
                                         "stop_price", "status", "fee", "filled_avg_price", "created_at", "filled_at",
                                         "canceled_at", "expired_at"]

    static func place(_ trade: TradeHarness, _ json: String, token: String, key: String? = nil) async throws -> TestClient.Reply {
        var headers = HTTPHeaders()
        if let key { headers.add("Idempotency-Key", key) }
        return try await trade.client.post("/trade/orders", json: json, token: token, headers: headers)
    }

    static let badBodies: [(json: String, why: String)] = [
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":99.5}"#, "a JSON number price"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc"}"#, "limit without limit_price"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"stop","time_in_force":"gtc"}"#, "stop without stop_price"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"stop_limit","time_in_force":"gtc","limit_price":"1.00"}"#, "stop_limit without stop_price"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"99.12345"}"#, "5 decimals"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"0"}"#, "a zero price"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"-1.00"}"#, "a negative price"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"1e2"}"#, "an exponent"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"market","time_in_force":"gtc","limit_price":"1.00"}"#, "a limit price on a market order"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"1.00","stop_price":"1.00"}"#, "a stop price on a limit order"),
        (#"{"symbol":"AAPL","side":"hold","quantity":1,"type":"market","time_in_force":"gtc"}"#, "an unknown side"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"trailing_stop","time_in_force":"gtc"}"#, "an unknown type"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"market","time_in_force":"opg"}"#, "an unknown time in force"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1,"type":"market"}"#, "time_in_force missing"),
        (#"{"symbol":"AAPL","side":"buy","quantity":1.5,"type":"market","time_in_force":"day"}"#, "a fractional quantity"),
        (#"{"symbol":"AAPL","side":"buy","quantity":0,"type":"market","time_in_force":"day"}"#, "quantity 0"),
        (#"{"symbol":"@@","side":"buy","quantity":1,"type":"market","time_in_force":"day"}"#, "a malformed symbol"),
        (#"{"symbol":"NOPE","side":"buy","quantity":1,"type":"limit","time_in_force":"day","limit_price":"1.123456"}"#, "400 before an unknown symbol's 404"),
    ]

    @Test func placingAnOrderAnswersItsFullShapeAndBadOnesAre400ChangingNothing() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            let placed = try await Self.place(trade, #"{"symbol":"aapl","side":"buy","quantity":3,"type":"limit","time_in_force":"gtc","limit_price":"90.5"}"#, token: token)
            #expect(placed.status == 201, "\(placed.text)")
            #expect(Set(placed.json.keys) == Self.orderKeys)
            #expect(placed.string("symbol") == "AAPL" && placed.string("status") == "new" && placed.string("limit_price") == "90.50")
            #expect(placed.json["stop_price"] is NSNull && placed.json["fee"] is NSNull && placed.json["filled_at"] is NSNull)
            let account = try await trade.client.get("/trade/account", token: token)
            #expect(account.string("cash") == "10000.00" && account.string("reserved") == "271.50"
                    && account.string("buying_power") == "9728.50", "\(account.text)")
            for row in Self.badBodies {
                let reply = try await Self.place(trade, row.json, token: token)
                #expect(reply.isTradeProblem(400, "/problems/invalid-request"), "\(row.why): \(reply.status) \(reply.text)")
            }
            let unknown = try await Self.place(trade, #"{"symbol":"NOPE","side":"buy","quantity":1,"type":"limit","time_in_force":"day","limit_price":"1.00"}"#, token: token)
            #expect(unknown.isTradeProblem(404, "/problems/unknown-symbol"), "\(unknown.text)")
            let list = try await trade.client.get("/trade/orders?status=all", token: token)
            #expect((list.json["orders"] as? [Any])?.count == 1, "only the first order exists: \(list.text)")
            #expect(try await trade.client.get("/trade/account", token: token).string("reserved") == "271.50")
        }
    }

    @Test func insufficientFundsOrSharesAre422AndChangeNothing() async throws {
        try await TradeHarness.with(.init(initialCash: "1000.00")) { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            let tooDear = try await Self.place(trade, #"{"symbol":"AAPL","side":"buy","quantity":11,"type":"limit","time_in_force":"gtc","limit_price":"95.00"}"#, token: token)
            #expect(tooDear.isTradeProblem(422, "/problems/insufficient-funds"), "\(tooDear.text)")
            let noShares = try await Self.place(trade, #"{"symbol":"AAPL","side":"sell","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"150.00"}"#, token: token)
            #expect(noShares.isTradeProblem(422, "/problems/insufficient-shares"), "\(noShares.text)")
            // Reserved cash is not buying power for /trade/buy either.
            #expect(try await Self.place(trade, #"{"symbol":"AAPL","side":"buy","quantity":9,"type":"limit","time_in_force":"gtc","limit_price":"95.00"}"#, token: token).status == 201)
            let buy = try await trade.order("buy", "AAPL", 2, token: token)
            #expect(buy.isTradeProblem(422, "/problems/insufficient-funds"), "\(buy.text)")
            let account = try await trade.client.get("/trade/account", token: token)
            #expect(account.string("cash") == "1000.00" && account.string("buying_power") == "145.00", "\(account.text)")
        }
    }

    @Test func getAndCancelAre404ForAnotherUsersOrderAnd409OnceClosed() async throws {
        try await TradeHarness.with { trade in
            let alice = try await trade.token(1)
            let bob = try await trade.token(2)
            trade.setPrice("AAPL", "100.00")
            let placed = try await Self.place(trade, #"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"day","limit_price":"50.00"}"#, token: alice)
            let id = try #require(placed.int("id"))
            #expect(try await trade.client.get("/trade/orders/\(id)", token: bob).isTradeProblem(404, "/problems/not-found"))
            #expect(try await trade.client.send("DELETE", "/trade/orders/\(id)", token: bob).isTradeProblem(404, "/problems/not-found"))
            #expect(try await trade.client.get("/trade/orders/\(id + 1000)", token: alice).isTradeProblem(404, "/problems/not-found"))
            for bad in ["abc", "0", "-1", "1.0", "99999999999999999999"] {
                #expect(try await trade.client.get("/trade/orders/\(bad)", token: alice).isTradeProblem(400), "\(bad)")
            }
            let got = try await trade.client.get("/trade/orders/\(id)", token: alice)
            #expect(got.status == 200 && got.body == placed.body)
            let canceled = try await trade.client.send("DELETE", "/trade/orders/\(id)", token: alice)
            #expect(canceled.status == 200 && canceled.string("status") == "canceled" && canceled.string("canceled_at") != nil)
            let again = try await trade.client.send("DELETE", "/trade/orders/\(id)", token: alice)
            #expect(again.isTradeProblem(409, "/problems/order-not-cancelable"), "\(again.text)")
            let market = try await Self.place(trade, #"{"symbol":"AAPL","side":"buy","quantity":1,"type":"market","time_in_force":"day"}"#, token: alice)
            #expect(market.string("status") == "filled" && market.string("fee") == "0.00" && market.string("filled_avg_price") == "100.00")
            let filled = try await trade.client.send("DELETE", "/trade/orders/\(market.int("id")!)", token: alice)
            #expect(filled.isTradeProblem(409, "/problems/order-not-cancelable"))
            #expect(try await trade.client.get("/trade/account", token: alice).string("reserved") == "0.00")
        }
    }

    @Test func listingFiltersByStatusAndPagesNewestFirst() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            var ids: [Int] = []
            for index in 0..<5 {
                let reply = try await Self.place(trade, #"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"\#(50 + index).00"}"#, token: token)
                ids.append(try #require(reply.int("id")))
            }
            _ = try await trade.client.send("DELETE", "/trade/orders/\(ids[1])", token: token)
            func page(_ query: String) async throws -> (ids: [Int], next: Any?) {
                let reply = try await trade.client.get("/trade/orders?\(query)", token: token)
                #expect(reply.status == 200, "\(query): \(reply.text)")
                return (((reply.json["orders"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int }, reply.json["next"])
            }
            #expect(try await page("").ids == [ids[4], ids[3], ids[2], ids[0]], "open by default")
            #expect(try await page("status=closed").ids == [ids[1]])
            let first = try await page("status=all&limit=2")
            #expect(first.ids == [ids[4], ids[3]] && first.next as? Int == ids[3])
            let second = try await page("status=all&limit=2&before=\(ids[3])")
            #expect(second.ids == [ids[2], ids[1]])
            let last = try await page("status=all&limit=2&before=\(ids[1])")
            #expect(last.ids == [ids[0]] && last.next is NSNull)
            for bad in ["status=pending", "limit=0", "limit=101", "before=0", "limit=+1", "before=abc"] {
                #expect(try await trade.client.get("/trade/orders?\(bad)", token: token).isTradeProblem(400), "\(bad)")
            }
        }
    }

    @Test func aKeyedOrderRetriedReturnsTheFirstResponseAndPlacesNothingNew() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            let json = #"{"symbol":"AAPL","side":"buy","quantity":2,"type":"limit","time_in_force":"gtc","limit_price":"90.00"}"#
            let first = try await Self.place(trade, json, token: token, key: "order-1")
            let retry = try await Self.place(trade, json, token: token, key: "order-1")
            #expect(first.status == 201 && retry.status == 201 && retry.sameBytes(as: first))
            #expect(retry.headers["Idempotent-Replayed"] == "true")
            let other = try await Self.place(trade, json.replacingOccurrences(of: "90.00", with: "91.00"), token: token, key: "order-1")
            #expect(other.isTradeProblem(422, "/problems/idempotency-key-reused"))
            #expect(try await trade.client.get("/trade/account", token: token).string("reserved") == "180.00")
        }
    }

    @Test func theMatcherFillsARestingOrderWhenThePriceCrossesWithTheFee() async throws {
        let environment = ["MATCH_INTERVAL_MS": "20", "COMMISSION_PER_ORDER": "1.00", "COMMISSION_BPS": "10"]
        try await TradeHarness.with(.init(environment: environment)) { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "100.00")
            let placed = try await Self.place(trade, #"{"symbol":"AAPL","side":"buy","quantity":10,"type":"limit","time_in_force":"gtc","limit_price":"95.00"}"#, token: token)
            let id = try #require(placed.int("id"))
            // 950.00 + 1.00 + 0.95.
            #expect(try await trade.client.get("/trade/account", token: token).string("reserved") == "951.95")
            trade.setPrice("AAPL", "94.25")
            var order = placed
            for _ in 0..<500 where order.string("status") == "new" {
                try await Task.sleep(for: .milliseconds(20))
                order = try await trade.client.get("/trade/orders/\(id)", token: token)
            }
            #expect(order.string("status") == "filled" && order.string("filled_avg_price") == "94.25", "\(order.text)")
            // Fee: 1.00 + 942.50 × 0.001 = 1.9425 → 1.94.
            #expect(order.string("fee") == "1.94")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.transactions.first?.total == "942.50" && log.transactions.first?.cashAfter == "9055.56")
            #expect(try await trade.client.get("/trade/account", token: token).string("reserved") == "0.00")
        }
    }
}
