import Foundation
import GRDB
import HTTP
import Logging
import Routing
import ServiceKit
import Sockets
import Storage

/// The slot-move listener (`TRADE_ADMIN_PORT`, on 127.0.0.1 only, never behind the gateway): what
/// `scripts/move-slots` drives to move account slots between trade shards (README "Trade shards").
///
/// A move: `freeze` on the source (writes of those slots refused with 503 from then on; taken
/// under the ledger's write lock, so every order before it has committed and none after it
/// commits), `export` there, `import` on the destination (which answers its own export of what it
/// now holds), compare, `adopt` on the destination, `release` on the source (503 until the
/// gateways' map names the new shard), then the gateways' `TRADE_SHARDS`. `thaw` undoes a freeze.
struct SlotAdmin: Sendable {
    let ledger: Ledger
    let ownership: SlotOwnership

    /// Bodies up to 64 MiB: a move of more rows is split into smaller slot sets.
    static let exportBytesMax = 64 * 1_048_576

    static let conflict = ProblemType(409, "/problems/slot-state-conflict", title: "Slot state conflict")

    static let routes: [Route<SlotAdmin>] = [
        Route("GET", "/admin/slots", handler: { $0.states }),
        Route("POST", "/admin/slots/freeze", handler: { $0.freeze }),
        Route("POST", "/admin/slots/thaw", handler: { admin in { try await admin.change($0, $1, from: [.frozen], to: .owned) } }),
        Route("GET", "/admin/slots/export", handler: { $0.export }),
        Route("POST", "/admin/slots/import", handler: { $0.importSlots }),
        Route("POST", "/admin/slots/adopt", handler: { admin in
            { try await admin.change($0, $1, from: [.notOwned, .released], to: .owned) }
        }),
        Route("POST", "/admin/slots/release", handler: { admin in { try await admin.change($0, $1, from: [.frozen], to: .released) } }),
    ]

    /// Starts the listener on 127.0.0.1:`port` on the service's loops.
    static func serve(_ admin: SlotAdmin, port: Int, group: EventLoopGroup, logger: Logger) throws -> HTTPServer {
        var builder = RouterBuilder(logger: logger)
        builder.add(routes, endpoints: admin)
        var limits = HTTPLimits()
        limits.bodyBytesMax = exportBytesMax
        limits.bufferedBodyBytesMax = exportBytesMax + exportBytesMax / 3 + 1
        limits.connectionsMax = 16
        return try HTTPServer(configuration: .init(host: "127.0.0.1", port: port, loopCount: group.loops.count, limits: limits),
                              group: group, responder: builder.build())
    }

    private struct SlotsBody: Decodable {
        let slots: String
    }

    private struct StatesBody: Encodable {
        let owned: String
        let frozen: String
        let released: String
    }

    private static func slots(_ text: Substring?) throws -> SlotSet {
        guard let text, let slots = SlotSet(parsing: text), !slots.isEmpty else {
            throw HTTPError.invalidRequest("slots must list slots and ranges below \(AccountSlot.count), like 5,7-9.")
        }
        return slots
    }

    private static func conflict(_ slot: Int, _ wanted: String) -> HTTPError {
        HTTPError(conflict, detail: "Slot \(slot) is not \(wanted) here; nothing was changed.")
    }

    func states(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        try JSONCoding.response(StatesBody(owned: ownership.slots(in: .owned).description,
                                           frozen: ownership.slots(in: .frozen).description,
                                           released: ownership.slots(in: .released).description))
    }

    /// owned → frozen, under the write lock: no order of these slots commits after this returns.
    func freeze(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let slots = try Self.slots(Substring(try JSONCoding.decode(SlotsBody.self, from: request).slots))
        let ownership = self.ownership
        let refused = try await ledger.database.writeImmediate { db in
            let refused = ownership.transition(slots, from: [.owned, .frozen], to: .frozen)
            if refused == nil { try ownership.store(db, slots: slots) }
            return refused
        }
        if let refused { throw Self.conflict(refused, "owned") }
        return try await states(request, context)
    }

    func change(_ request: HTTPRequest, _ context: RequestContext, from: Set<SlotOwnership.State>,
                to: SlotOwnership.State) async throws -> HTTPResponse {
        let slots = try Self.slots(Substring(try JSONCoding.decode(SlotsBody.self, from: request).slots))
        let ownership = self.ownership
        let refused = try await ledger.database.writeImmediate { db in
            let refused = ownership.transition(slots, from: from, to: to)
            if refused == nil { try ownership.store(db, slots: slots) }
            return refused
        }
        if let refused { throw Self.conflict(refused, from.map(\.rawValue).sorted().joined(separator: " or ")) }
        return try await states(request, context)
    }

    /// Every row of the slots' accounts, in any state (the destination's answer to import is this too).
    func export(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let slots = try Self.slots(request.queryParameter("slots"))
        let exported = try await ledger.database.read { db in try SlotTransfer.export(db, slots: slots) }
        return try JSONCoding.response(exported)
    }

    /// Takes an export for slots this shard does not serve, in one transaction, and answers its own
    /// export of them for the mover to compare.
    func importSlots(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        let body = try JSONDecoder().decode(SlotExport.self, from: Data(request.body))
        let slots = try Self.slots(Substring(body.slots))
        if let serving = slots.slots.first(where: { [.owned, .frozen].contains(ownership.state(ofSlot: $0)) }) {
            throw Self.conflict(serving, "free (not owned or released)")
        }
        do {
            let imported = try await ledger.database.writeImmediate { db in
                try SlotTransfer.import(body, slots: slots, into: db)
                return try SlotTransfer.export(db, slots: slots)
            }
            return try JSONCoding.response(imported)
        } catch let error as SlotTransfer.TransferError {
            throw HTTPError(Self.conflict, detail: "Import refused, nothing was changed: \(error.description)")
        }
    }
}
