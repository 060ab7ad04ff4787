import Foundation
import HTTP
import Routing
import ServiceKit

/// `GET /trade/events` (API.md "Orders beyond market"): the user's order changes as Server-Sent
/// Events, read from the ledger's `order_events` (so a restart or a slow client loses nothing)
/// and woken by its ``OrderEventHub``.
extension TradeHandlers {
    /// Events read from the ledger at a time: a client resuming far behind gets its backlog in
    /// pages, each written before the next is read (about 100 KiB of JSON per page).
    static let eventsPerReadMax = 256
    /// How long the stream waits for the hub before reading the ledger again anyway: a safety net,
    /// not the heartbeat (the server writes that).
    static let eventWaitMax: Duration = .seconds(30)

    /// Subscribes first, then reads every event after `Last-Event-ID` (0 without one) from the
    /// ledger, then waits for the hub to say more exist and reads again from the last id sent:
    /// an event committed after the subscription raised its mark and is read by the next round,
    /// one committed before is in the first read, and ids only grow, so the switch from backlog
    /// to live events has no gap and no duplicate.
    func events(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let user = try context.requireUser()
        let resumeAfter = try Self.lastEventID(request.headers["Last-Event-ID"])
        guard let subscription = ledger.hub.subscribe(userID: user.id) else { throw OrderRejection.eventStreamsFull }
        let stream = ResponseStream(heartbeat: ResponseStream.sseHeartbeat)
        let ledger = ledger
        let producer = Task {
            defer { subscription.cancel() }
            var after = resumeAfter
            while !stream.isClosed && !Task.isCancelled {
                let page: [OrderEvent]
                do {
                    page = try await ledger.orderEvents(userID: user.id, after: after, limit: Self.eventsPerReadMax)
                } catch {
                    // The ledger is unreadable now: end the stream; the client resumes from its last id.
                    stream.finish()
                    return
                }
                for event in page {
                    guard stream.write(Self.eventBytes(event)) else { return }
                    after = event.id
                }
                if page.count == Self.eventsPerReadMax { continue }
                _ = await subscription.wait(after: after, timeout: Self.eventWaitMax)
            }
        }
        stream.onClose {
            subscription.cancel()
            producer.cancel()
        }
        return .eventStream(stream)
    }

    /// `event: order`, `id:` the event's id, `data:` the order as `GET /trade/orders/{id}` shows it.
    static func eventBytes(_ event: OrderEvent) -> [UInt8] {
        // One `data:` line per line of the JSON (it has none today; a line break would end the field).
        let data = event.order.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\ndata: ")
        return Array("event: order\nid: \(event.id)\ndata: \(data)\n\n".utf8)
    }

    /// The id to resume after: `Last-Event-ID` as digits (an id this stream sent), 0 when absent
    /// or empty (an EventSource that saw no id sends none); anything else is 400.
    static func lastEventID(_ raw: String?) throws -> Int64 {
        guard let raw, !raw.isEmpty else { return 0 }
        guard raw.utf8.count <= 18, raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let id = Int64(raw) else {
            throw HTTPError.invalidRequest("Last-Event-ID must be the id of an event this stream sent (digits).")
        }
        return id
    }
}
