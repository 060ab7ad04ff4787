import Foundation
import TestSupport
import Testing

/// `GET /trade/transactions?limit=N&before=ID` (API.md "Trade"): newest first, `limit` 1–100
/// (default 50), `before` exclusive, `next` the last id or `null`; plain digits only. And a user
/// sees only their own account.
@Suite struct TradeServicePagingTests {
    /// Makes `count` buys of 1 share (sequentially, so ids and times ascend) and returns the bodies.
    static func buys(_ trade: TradeHarness, token: String, count: Int, symbol: String = "PAGE") async throws -> [TradeTransaction] {
        var made: [TradeTransaction] = []
        for _ in 0..<count {
            made.append(try #require(try await trade.order("buy", symbol, 1, token: token).transaction))
        }
        return made
    }

    static func page(_ trade: TradeHarness, _ query: String, token: String) async throws -> (ids: [Int64], next: Int64?, raw: TestClient.Reply) {
        let reply = try await trade.client.get("/trade/transactions" + query, token: token)
        // Every page the tests read must be an answer: an error's empty list would pass "sees nothing".
        #expect(reply.status == 200, "\(query): \(reply.status) \(reply.text)")
        let items = (reply.json["transactions"] as? [[String: Any]] ?? []).compactMap(TradeTransaction.init(json:))
        return (items.map(\.id), TradeTransaction.integer(reply.json["next"]), reply)
    }

    @Test func pagesAreNewestFirstWithAnExclusiveBeforeAndNextIsTheLastIdOrNull() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("PAGE", "1.00")
            let made = try await Self.buys(trade, token: token, count: 7)
            let ids = made.map(\.id)
            #expect(Set(ids).count == 7)
            #expect(ids == ids.sorted(), "ids ascend in execution order")
            let newest = Array(ids.reversed())

            let first = try await Self.page(trade, "?limit=3", token: token)
            #expect(first.raw.status == 200)
            #expect(first.ids == Array(newest[0..<3]))
            #expect(first.next == newest[2])
            let second = try await Self.page(trade, "?limit=3&before=\(newest[2])", token: token)
            #expect(second.ids == Array(newest[3..<6]), "before is exclusive")
            #expect(second.next == newest[5])
            let last = try await Self.page(trade, "?limit=3&before=\(newest[5])", token: token)
            #expect(last.ids == [newest[6]])
            #expect(last.next == nil)
            #expect(last.raw.text.contains(#""next":null"#), "null, not absent: \(last.raw.text)")

            let exact = try await Self.page(trade, "?limit=7", token: token)
            #expect(exact.ids == newest)
            #expect(exact.next == nil, "nothing older exists")
            #expect(exact.raw.json.keys.contains("next"))
            let one = try await Self.page(trade, "?limit=1&before=\(newest[0])", token: token)
            #expect(one.ids == [newest[1]])
            #expect(one.next == newest[1])
            let none = try await Self.page(trade, "?before=\(ids[0])", token: token)
            #expect(none.raw.status == 200 && none.ids.isEmpty && none.next == nil)
            let huge = try await Self.page(trade, "?before=999999999999", token: token)
            #expect(huge.ids == newest)

            // The items are the order responses, field for field.
            let items = ((first.raw.json["transactions"] as? [[String: Any]]) ?? []).compactMap(TradeTransaction.init(json:))
            #expect(items == Array(made.reversed()[0..<3]))
        }
    }

    @Test func theDefaultLimitIs50AndTheMaximum100() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("PAGE", "1.00")
            // Concurrent (bounded) to save time; ids are still unique and the log is still ordered by id.
            let replies = try await TradeParallel.run(count: 105, width: 16) { _ in
                try await trade.order("buy", "PAGE", 1, token: token)
            }
            #expect(replies.allSatisfy { $0.status == 201 })
            let all = replies.compactMap(\.transaction).map(\.id).sorted(by: >)
            #expect(all.count == 105)
            let byDefault = try await Self.page(trade, "", token: token)
            #expect(byDefault.ids == Array(all[0..<50]))
            #expect(byDefault.next == all[49])
            let max = try await Self.page(trade, "?limit=100", token: token)
            #expect(max.ids == Array(all[0..<100]))
            #expect(max.next == all[99])
            let rest = try await Self.page(trade, "?limit=100&before=\(all[99])", token: token)
            #expect(rest.ids == Array(all[100...]))
            #expect(rest.next == nil)
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.cashCents == 10_000_00 - 105_00)
        }
    }

    @Test func badPagingIs400() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("PAGE", "1.00")
            _ = try await Self.buys(trade, token: token, count: 2)
            let rows: [(query: String, why: String)] = [
                ("?limit=0", "limit below 1"), ("?limit=101", "limit above 100"), ("?limit=+1", "a sign"),
                ("?limit=-1", "negative"), ("?limit=abc", "not a number"), ("?limit=", "empty"),
                ("?limit=1.0", "a fraction"), ("?limit=%201", "a space"), ("?limit=1e1", "an exponent"),
                ("?limit=0x10", "hex"), ("?limit=99999999999999999999999", "overflow"),
                ("?before=0", "before must be positive"), ("?before=+1", "a sign"), ("?before=-5", "negative"),
                ("?before=abc", "not a number"), ("?before=", "empty"), ("?before=1.5", "a fraction"),
                ("?before=99999999999999999999999", "overflow"), ("?limit=10&before=x", "one good, one bad"),
            ]
            for row in rows {
                let reply = try await trade.client.get("/trade/transactions" + row.query, token: token)
                #expect(reply.isTradeProblem(400), "\(row.query): \(row.why): \(reply.status) \(reply.text)")
            }
            let plain = try await Self.page(trade, "?limit=0001", token: token)
            #expect(plain.raw.status == 200 && plain.ids.count == 1, "leading zeros are still plain digits")
        }
    }

    @Test func aUserSeesOnlyTheirOwnAccount() async throws {
        try await TradeHarness.with { trade in
            let alice = try await trade.token(1)
            let bob = try await trade.token(2)
            trade.setPrice("AAPL", "100.00")
            let alicesBuy = try #require(try await trade.order("buy", "AAPL", 10, token: alice).transaction)
            #expect(alicesBuy.cashAfter == "9000.00")

            let bobsAccount = try await trade.client.get("/trade/account", token: bob)
            #expect(bobsAccount.string("cash") == "10000.00")
            #expect(bobsAccount.string("holdings_value") == "0.00")
            let bobsPortfolio = try await trade.client.get("/trade/portfolio", token: bob)
            #expect((bobsPortfolio.json["holdings"] as? [Any])?.isEmpty == true)
            #expect(try await Self.page(trade, "", token: bob).ids.isEmpty)
            #expect(try await Self.page(trade, "?before=\(alicesBuy.id + 1)", token: bob).ids.isEmpty)
            let bobSells = try await trade.order("sell", "AAPL", 1, token: bob)
            #expect(bobSells.isTradeProblem(422, "/problems/insufficient-shares"), "Alice's shares are not Bob's")

            let bobsBuy = try #require(try await trade.order("buy", "AAPL", 1, token: bob).transaction)
            #expect(bobsBuy.cashAfter == "9900.00", "Bob's own cash")
            #expect(try await Self.page(trade, "", token: alice).ids == [alicesBuy.id])
            #expect(try await Self.page(trade, "", token: bob).ids == [bobsBuy.id])
            for token in [alice, bob] {
                let log = try await trade.checker.check(token: token)
                #expect(log.problems.isEmpty, "\(log)")
            }
        }
    }
}
