import Foundation
import TestSupport
import Testing

/// `Idempotency-Key` on buy and sell (API.md "Trade"): per user, remembered for
/// `IDEMPOTENCY_TTL_SECONDS` with the order; the same request replays the first response byte for
/// byte and executes nothing new (even after a price move or a restart); another request with the
/// key is 422; a concurrent retry is 409; failures are not remembered.
@Suite struct TradeIdempotencyTests {
    static func count(_ trade: TradeHarness, token: String) async throws -> Int {
        try await TradeSnapshot.take(trade.client, token: token).transactions.count
    }

    @Test(arguments: ["buy", "sell"])
    func aReplayReturnsTheFirstResponseByteForByteAfterThePriceMoved(side: String) async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "10.00")
            if side == "sell" { #expect(try await trade.order("buy", "AAPL", 10, token: token).status == 201) }
            let first = try await trade.order(side, "AAPL", 3, token: token, key: "order-1")
            #expect(first.status == 201, "\(first.text)")
            #expect(first.transaction?.total == "30.00")
            let before = try await TradeSnapshot.take(trade.client, token: token)

            trade.setPrice("AAPL", "20.00")
            let sameMeaning = [#"{"symbol":"AAPL","quantity":3}"#, #"{"quantity":3,"symbol":"aapl"}"#, #" {"symbol" : "Aapl", "quantity" : 3} "#]
            for json in sameMeaning {
                let replay = try await trade.order(side, json: json, token: token, key: "order-1")
                #expect(replay.status == first.status, "\(json)")
                #expect(replay.sameBytes(as: first), "byte for byte: \(replay.text) vs \(first.text)")
                #expect(replay.headers["Content-Type"] == first.headers["Content-Type"])
            }
            let after = try await TradeSnapshot.take(trade.client, token: token)
            #expect(after == before, "a replay executes nothing")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
        }
    }

    @Test func theSameKeyWithAnotherRequestIs422AndExecutesNothing() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "10.00")
            trade.setPrice("MSFT", "10.00")
            let first = try await trade.order("buy", "AAPL", 3, token: token, key: "k")
            #expect(first.status == 201)
            #expect(try await trade.order("buy", "MSFT", 5, token: token).status == 201)
            let before = try await TradeSnapshot.take(trade.client, token: token)
            let rows: [(side: String, symbol: String, quantity: Int, why: String)] = [
                ("buy", "AAPL", 4, "another quantity"),
                ("buy", "MSFT", 3, "another symbol"),
                ("sell", "AAPL", 3, "another path with the same body"),
                ("sell", "MSFT", 1, "another path and body that would execute"),
            ]
            for row in rows {
                let reply = try await trade.order(row.side, row.symbol, row.quantity, token: token, key: "k")
                #expect(reply.isTradeProblem(422, "/problems/idempotency-key-reused"), "\(row.why): \(reply.status) \(reply.text)")
            }
            #expect(try await TradeSnapshot.take(trade.client, token: token) == before)
            let replay = try await trade.order("buy", "AAPL", 3, token: token, key: "k")
            #expect(replay.sameBytes(as: first), "\(replay.text) vs \(first.text): the key still belongs to the first request")
        }
    }

    @Test func keysArePerUser() async throws {
        try await TradeHarness.with { trade in
            let alice = try await trade.token(1)
            let bob = try await trade.token(2)
            trade.setPrice("AAPL", "10.00")
            let alices = try #require(try await trade.order("buy", "AAPL", 3, token: alice, key: "shared").transaction)
            let bobs = try #require(try await trade.order("buy", "AAPL", 3, token: bob, key: "shared").transaction)
            #expect(bobs.id != alices.id, "Bob's order executed on its own")
            #expect(bobs.cashAfter == "9970.00")
            let bobsOther = try await trade.order("buy", "AAPL", 1, token: try await trade.token(3), key: "shared")
            #expect(bobsOther.status == 201, "a third user may use the key with another body")
            #expect(try await Self.count(trade, token: alice) == 1)
            #expect(try await Self.count(trade, token: bob) == 1)
        }
    }

    @Test func twelveParallelRequestsWithOneKeyExecuteExactlyOnce() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "10.00")
            // A slow price lookup keeps the first request running while the others arrive.
            trade.fake?.setMode(.delay(milliseconds: 400))
            let replies = try await TradeParallel.run(count: 12, width: 12) { _ in
                try await trade.order("buy", "AAPL", 1, token: token, key: "burst")
            }
            trade.fake?.setMode(.normal)
            let executed = replies.filter { $0.status == 201 }
            let inFlight = replies.filter { $0.isTradeProblem(409, "/problems/idempotency-in-flight") }
            #expect(executed.count + inFlight.count == 12, "\(replies.map(\.status))")
            #expect(!executed.isEmpty)
            #expect(!inFlight.isEmpty, "requests made while the first ran are 409")
            #expect(Set(executed.map(\.body)).count == 1, "every 201 is the same response")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.transactions.count == 1)
            #expect(log.transactions.first == executed.first?.transaction)
            let later = try await trade.order("buy", "AAPL", 1, token: token, key: "burst")
            #expect(later.sameBytes(as: executed.first), "\(later.text) vs \(executed.first?.text ?? "nothing")")
        }
    }

    @Test func aFailedOrderIsNotRememberedAndItsRetryRunsAfresh() async throws {
        try await TradeHarness.with(.init(initialCash: "100.00")) { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "25.00")
            #expect(try await trade.order("buy", "AAPL", 2, token: token).transaction?.cashAfter == "50.00")
            let refused = try await trade.order("buy", "AAPL", 3, token: token, key: "topup")
            #expect(refused.isTradeProblem(422, "/problems/insufficient-funds"))
            #expect(try await trade.order("sell", "AAPL", 2, token: token).transaction?.cashAfter == "100.00")
            let retried = try await trade.order("buy", "AAPL", 3, token: token, key: "topup")
            #expect(retried.status == 201, "\(retried.text)")
            #expect(retried.transaction?.cashAfter == "25.00")

            let short = try await trade.order("sell", "AAPL", 4, token: token, key: "sell-more")
            #expect(short.isTradeProblem(422, "/problems/insufficient-shares"))
            #expect(try await trade.order("buy", "AAPL", 1, token: token).status == 201)
            let sold = try await trade.order("sell", "AAPL", 4, token: token, key: "sell-more")
            #expect(sold.transaction?.cashAfter == "100.00", "\(sold.text)")

            let unknown = try await trade.order("buy", "LATER", 1, token: token, key: "unknown-first")
            #expect(unknown.isTradeProblem(404))
            trade.setPrice("LATER", "1.00")
            #expect(try await trade.order("buy", "LATER", 1, token: token, key: "unknown-first").status == 201)

            trade.fake?.setMode(.http500)
            let down = try await trade.order("buy", "DOWN", 1, token: token, key: "down-first")
            #expect(down.isTradeProblem(503))
            trade.fake?.setMode(.normal)
            trade.setPrice("DOWN", "1.00")
            #expect(try await trade.order("buy", "DOWN", 1, token: token, key: "down-first").status == 201)

            let replay = try await trade.order("buy", "AAPL", 3, token: token, key: "topup")
            #expect(replay.sameBytes(as: retried), "\(replay.text) vs \(retried.text): the executed retry is what is remembered")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.transactions.count == 7)
        }
    }

    @Test func anExpiredKeyExecutesAgain() async throws {
        try await TradeHarness.with(.init(idempotencyTTLSeconds: 1)) { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "10.00")
            let first = try #require(try await trade.order("buy", "AAPL", 1, token: token, key: "short-lived").transaction)
            // Kept (both): the 1 s TTL runs out on the trade process's own clock.
            try await Task.sleep(for: .milliseconds(1_600))
            let second = try await trade.order("buy", "AAPL", 2, token: token, key: "short-lived")
            #expect(second.status == 201, "after the TTL the key is free for another request: \(second.text)")
            #expect(second.transaction?.id != first.id)
            let replay = try await trade.order("buy", "AAPL", 2, token: token, key: "short-lived")
            #expect(replay.sameBytes(as: second), "\(replay.text) vs \(second.text): the key now belongs to the second request")
            try await Task.sleep(for: .milliseconds(1_600))
            let third = try await trade.order("buy", "AAPL", 2, token: token, key: "short-lived")
            #expect(third.status == 201 && third.body != second.body, "the same request after the TTL executes again")
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.transactions.count == 3)
        }
    }

    @Test func aReplaySurvivesARestart() async throws {
        try await TradeHarness.with { trade in
            let token = try await trade.token(1)
            trade.setPrice("AAPL", "10.00")
            let first = try await trade.order("buy", "AAPL", 3, token: token, key: "durable")
            #expect(first.status == 201)
            try await trade.restartTrade()
            trade.setPrice("AAPL", "11.00")
            let replay = try await trade.order("buy", "AAPL", 3, token: token, key: "durable")
            #expect(replay.status == 201)
            #expect(replay.sameBytes(as: first), "\(replay.text) vs \(first.text): byte for byte after a restart")
            let reused = try await trade.order("buy", "AAPL", 4, token: token, key: "durable")
            #expect(reused.isTradeProblem(422, "/problems/idempotency-key-reused"))
            let log = try await trade.checker.check(token: token)
            #expect(log.problems.isEmpty, "\(log)")
            #expect(log.transactions.count == 1)
        }
    }
}
