import Foundation
import Testing
@testable import TradeService

/// Every order state change is an `order_events` row committed with it, readable in order from
/// any id (`Ledger.orderEvents(userID:after:limit:)`), and `OrderEventHub` wakes a subscriber
/// once a commit wrote one; subscriptions are bounded.
@Suite struct OrderEventTests {
    @Test func everyStateChangeIsAnEventInOrder() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            let resting = try await engine.place(.buy, 1, .limit, limit: "90.00")
            let canceled = try await engine.place(.buy, 1, .limit, limit: "80.00")
            _ = try await engine.cancel(canceled.id)
            engine.hand.set("AAPL", "89.00")
            _ = try await engine.matcher.tick()
            _ = try await engine.place(.buy, 1, .market, user: 2)
            let events = try await engine.ledger.orderEvents(userID: 1, after: 0, limit: 100)
            let states = try events.map { event -> String in
                let json = try JSONSerialization.jsonObject(with: Data(event.order.utf8)) as! [String: Any]
                return "\(json["id"]!) \(json["status"]!)"
            }
            #expect(states == ["\(resting.id) new", "\(canceled.id) new", "\(canceled.id) canceled", "\(resting.id) filled"])
            #expect(events.map(\.id) == events.map(\.id).sorted() && Set(events.map(\.userID)) == [1])
            // Resuming after an id gives exactly what followed it.
            #expect(try await engine.ledger.orderEvents(userID: 1, after: events[1].id, limit: 100) == Array(events[2...]))
            #expect(try await engine.ledger.orderEvents(userID: 1, after: 0, limit: 2) == Array(events[..<2]))
            // The market order of user 2: new then filled, never in user 1's stream.
            #expect(try await engine.ledger.orderEvents(userID: 2, after: 0, limit: 100).count == 2)
            // The stored JSON is the order as GET /trade/orders/{id} shows it.
            let last = try JSONSerialization.jsonObject(with: Data(events[3].order.utf8)) as! [String: Any]
            #expect(last["filled_avg_price"] as? String == "89.00" && last["fee"] as? String == "0.00")
            #expect(Set(last.keys) == ["id", "symbol", "side", "quantity", "type", "time_in_force", "limit_price", "stop_price",
                                       "status", "fee", "filled_avg_price", "created_at", "filled_at", "canceled_at", "expired_at"])
        }
    }

    @Test func aRefusedOrderLeavesNoEvent() async throws {
        try await OrderEngine(cash: "10.00").run { engine async throws in
            engine.hand.set("AAPL", "100.00")
            await #expect(throws: OrderRejection.insufficientFunds) { try await engine.place(.buy, 1, .limit, limit: "90.00") }
            #expect(try await engine.ledger.orderEvents(userID: 1, after: 0, limit: 10).isEmpty)
        }
    }

    @Test func aSubscriberWakesWhenACommitWroteItsUsersEvent() async throws {
        try await OrderEngine().run { engine in
            engine.hand.set("AAPL", "100.00")
            let hub = engine.ledger.hub
            let mine = try #require(hub.subscribe(userID: 1))
            let other = try #require(hub.subscribe(userID: 2))
            let read = try await engine.ledger.orderEvents(userID: 1, after: 0, limit: 10)
            #expect(read.isEmpty)
            async let woke = mine.wait(after: 0, timeout: .seconds(30))
            _ = try await engine.place(.buy, 1, .limit, limit: "90.00")
            #expect(await woke)
            // An event published before the wait began is not missed: the wait returns at once.
            let first = try await engine.ledger.orderEvents(userID: 1, after: 0, limit: 10)
            _ = try await engine.place(.buy, 1, .limit, limit: "91.00")
            #expect(await mine.wait(after: first.last!.id, timeout: .seconds(30)))
            // Another user's events do not wake this one: it times out.
            #expect(await other.wait(after: 0, timeout: .milliseconds(50)) == false)
        }
    }

    @Test func subscriptionsAreBoundedAndFreedOnCancel() async throws {
        let hub = OrderEventHub(subscribersMax: 2)
        let a = try #require(hub.subscribe(userID: 1))
        var b = hub.subscribe(userID: 1)
        #expect(b != nil && hub.subscriberCount == 2)
        #expect(hub.subscribe(userID: 3) == nil, "a third is refused")
        // Cancel wakes a pending wait with false.
        async let waited = a.wait(after: 0, timeout: .seconds(30))
        a.cancel()
        #expect(await waited == false)
        b = nil  // released: its slot frees too
        #expect(hub.subscriberCount == 0)
        #expect(hub.subscribe(userID: 3) != nil)
    }

    /// A wait woken by a commit leaves no timeout task behind: a stream woken by every commit must not
    /// hold one sleeping task per wake for the whole timeout.
    @Test func aWokenWaitLeavesNoTimerBehind() async throws {
        let hub = OrderEventHub(subscribersMax: 4)
        let subscription = try #require(hub.subscribe(userID: 1))
        for eventID in Int64(1)...50 {
            async let woke = subscription.wait(after: eventID - 1, timeout: .seconds(3600))
            while hub.pendingTimerCount == 0 { await Task.yield() }
            hub.publish(userID: 1, eventID: eventID)
            #expect(await woke)
            #expect(hub.pendingTimerCount == 0)
        }
        subscription.cancel()
        #expect(hub.subscriberCount == 0)
    }
}
