import Foundation
import Testing
import TestSupport

/// `GET /trade/events` through the real gateway (API.md "Orders beyond market"): 401 without a
/// token, each order change an `order` event with an increasing `id`, and a stream resumed with
/// `Last-Event-ID` after a gateway restart gets every event once: those made while it was down
/// from the table, then live ones, with no gap and no repeat across the switch.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct TradeEventStreamTests {
    /// A buy limit far below the market: it rests (`new`) until canceled.
    static let restingBuy = #"{"symbol":"AAPL","side":"buy","quantity":1,"type":"limit","time_in_force":"gtc","limit_price":"1.00"}"#

    static func place(_ client: TestClient, token: String) async throws -> Int {
        let placed = try await client.post("/trade/orders", json: restingBuy, token: token)
        try #require(placed.status == 201, "\(placed.status) \(placed.text)")
        return try #require(placed.int("id"))
    }

    static func cancel(_ client: TestClient, _ id: Int, token: String) async throws {
        let canceled = try await client.send("DELETE", "/trade/orders/\(id)", token: token)
        try #require(canceled.status == 200, "\(canceled.status) \(canceled.text)")
    }

    /// The order id and status in an event's data.
    static func change(_ event: EventStreamClient.Event?) throws -> String {
        let event = try #require(event, "no event")
        #expect(event.event == "order")
        let data = try #require(try JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any])
        return "\((data["id"] as? NSNumber)?.intValue ?? -1) \(data["status"] as? String ?? "?")"
    }

    @Test func aStreamResumedAfterAGatewayRestartGetsEveryEventOnce() async throws {
        try await SuiteProcesses.with { suite in
            let token = try await suite.registerAndLogin(SuiteProcesses.uniqueUsername("events"))
            let unauthenticated = try await suite.gateway().get("/trade/events")
            #expect(unauthenticated.status == 401)
            let badResume = try await suite.gateway().get("/trade/events", token: token, headers: ["Last-Event-ID": "x1"])
            #expect(badResume.status == 400, "\(badResume.text)")

            let auth = "Authorization: Bearer \(token)"
            let first = try EventStreamClient(port: suite.gatewayPort, target: "/trade/events", fields: [auth])
            #expect(try await rawBlocking { first.readHead()?.status } == 200)
            let a = try await Self.place(suite.gateway(), token: token)
            let placedA = try await rawBlocking { first.nextEvent() }
            #expect(try Self.change(placedA) == "\(a) new")
            let lastSeen = try #require(placedA?.id.flatMap { Int($0) })

            // The gateway goes away; orders change meanwhile (straight at trade).
            await suite.stop("gateway")
            #expect(try await rawBlocking { first.awaitEnd(timeout: .seconds(3)) }, "the stream ended with the gateway")
            let trade = TestClient(port: suite.ports["trade"]!)
            let b = try await Self.place(trade, token: token)
            try await Self.cancel(trade, a, token: token)
            try await suite.start("gateway")

            let resumed = try EventStreamClient(port: suite.gatewayPort, target: "/trade/events",
                                                fields: [auth, "Last-Event-ID: \(lastSeen)"])
            #expect(try await rawBlocking { resumed.readHead()?.status } == 200)
            var events: [EventStreamClient.Event?] = try await rawBlocking { [resumed.nextEvent(), resumed.nextEvent()] }
            #expect(try events.map(Self.change) == ["\(b) new", "\(a) canceled"], "the missed ones, from the table")
            try await Self.cancel(suite.gateway(), b, token: token)
            events.append(try await rawBlocking { resumed.nextEvent() })
            #expect(try Self.change(events[2]) == "\(b) canceled", "then live")
            let ids = events.compactMap { $0?.id.flatMap { Int($0) } }
            #expect(ids.count == 3 && ids.allSatisfy { $0 > lastSeen } && ids == ids.sorted() && Set(ids).count == 3,
                    "every event once, in order: \(ids)")
            #expect(try await rawBlocking { resumed.nextEvent(timeout: .milliseconds(500)) } == nil, "and nothing else")
        }
    }
}
