import Foundation
import GRDB
import HTTP
import Money
import Routing
import Synchronization
import TestSupport
import Testing
@testable import TradeService

/// `PENDING_ORDERS_MAX` (``TradeLimits/pendingOrdersMax``): orders wait for the ledger's one writer
/// in a bounded queue. A real SQLite file, a second connection holding its write lock so that the
/// writer stalls on its first batch, and real concurrent orders: exactly the bound waits, every
/// order past it is refused at once with 503 and `Retry-After`, and the refused ones change nothing.
@Suite(.serialized) struct TradePendingOrdersTests {
    /// The refusals seen so far (`nil`: an error that is no `OrderRejection`).
    final class Refusals: Sendable {
        let list = Mutex<[OrderRejection?]>([])
    }

    static let pendingMax = 4
    static let refusedCount = 3

    static func order(_ symbol: String = "AAPL") -> Order {
        Order(userID: 1, side: .buy, symbol: symbol, quantity: 1, price: Price(minorUnits: 100_0000), idempotency: nil,
              deadline: .now + .seconds(50))
    }

    /// Polls `condition` (what the ledger reports) until true; the outcome is decided by the
    /// condition, never by how long this waits.
    static func waitUntil(_ why: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !condition() {
            try #require(ContinuousClock.now < deadline, "never: \(why)")
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func pastTheBoundAnOrderIsRefusedAtOnceWith503AndChangesNothing() async throws {
        let folder = try TemporaryFolder("trade-pending")
        defer { folder.remove() }
        let path = folder.path + "/trade.sqlite"
        // A busy timeout far above the test's length: the stalled batch waits for the lock, not for time.
        let ledger = try Ledger(path: path, initialCash: Cents(minorUnits: 10_000_00),
                                limits: TradeLimits(pendingOrdersMax: Self.pendingMax, sqliteBusyTimeout: .seconds(60)))
        try await ledger.closing {
            _ = try await ledger.account(userID: 1)

            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true  // the lock is held across two accesses on purpose
            let blocker = try DatabaseQueue(path: path, configuration: configuration)
            try await blocker.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }

            // The first order starts the writer, which takes it as its batch and waits for the lock.
            let first = Task { await ledger.execute(Self.order()) }
            try await Self.waitUntil("the writer took the first order") { ledger.pending == (0, true) }

            // Bound + 3 more, all at once: the bound waits, the rest are refused without waiting.
            let refused = Refusals()
            let queued = (0..<(Self.pendingMax + Self.refusedCount)).map { _ in
                Task { () -> Bool in
                    let result = await ledger.execute(Self.order())
                    guard case .failure(let error) = result else { return true }
                    refused.list.withLock { $0.append(error as? OrderRejection) }
                    return false
                }
            }
            try await Self.waitUntil("\(Self.refusedCount) refusals while the lock is held") {
                refused.list.withLock { $0.count } == Self.refusedCount
            }
            #expect(ledger.pending == (Self.pendingMax, true), "exactly the bound waits")
            for rejection in refused.list.withLock({ $0 }) {
                #expect(rejection == .queueFull, "\(String(describing: rejection))")
                let response = HTTPResponse.problem(for: rejection ?? OrderRejection.storageBusy)
                #expect(response.status == 503)
                #expect(response.headers["Retry-After"] == "5")
                #expect(String(decoding: response.body, as: UTF8.self).contains("\"type\":\"/problems/service-unavailable\""))
            }
            let whileHeld = try await ledger.account(userID: 1)
            #expect(whileHeld.cash == Cents(minorUnits: 10_000_00) && whileHeld.holdings.isEmpty, "nothing executed yet")

            try await blocker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            try blocker.close()

            var executed = 0
            if case .success = await first.value { executed += 1 }
            for task in queued where await task.value { executed += 1 }
            #expect(executed == 1 + Self.pendingMax, "the stalled batch and the bound executed, nothing else")
            #expect(refused.list.withLock { $0.count } == Self.refusedCount)
            let after = try await ledger.account(userID: 1)
            #expect(after.cash == Cents(minorUnits: 10_000_00 - Int64(executed) * 100_00), "the refused orders paid nothing")
            #expect(after.holdings.map(\.quantity) == [Int64(executed)])
            #expect(try await ledger.transactions(userID: 1, limit: 100, before: nil).items.count == executed)

            // The queue is free again: the next order executes.
            guard case .success = await ledger.execute(Self.order()) else {
                Issue.record("an order after the queue drained was refused")
                return
            }
            #expect(ledger.pending.orders == 0)
        }
    }

    @Test func pendingOrdersMaxIsReadFromTheEnvironmentWithADefault() throws {
        let folder = try TemporaryFolder("trade-pending-config")
        defer { folder.remove() }
        let base = ["DATABASE_PATH": folder.path + "/t.sqlite"]
        #expect(try TradeConfig(environment: .init(base)).limits.pendingOrdersMax == 1024)
        #expect(try TradeConfig(environment: .init(base.merging(["PENDING_ORDERS_MAX": "7"]) { $1 })).limits.pendingOrdersMax == 7)
        for bad in ["0", "-1", "1000001", "ten"] {
            #expect(throws: (any Error).self, "PENDING_ORDERS_MAX=\(bad)") {
                try TradeConfig(environment: .init(base.merging(["PENDING_ORDERS_MAX": bad]) { $1 }))
            }
        }
    }
}
