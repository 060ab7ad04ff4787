import Foundation
import Synchronization

/// Tells waiting subscribers that a user's order events beyond some id exist, in memory and
/// bounded: at most `subscribersMax` subscriptions at once (one per open `GET /trade/events`
/// stream), each holding one number and at most one waiter. Events themselves are read from the
/// ledger (``Ledger/orderEvents(userID:after:limit:)``), so nothing is lost when a subscriber is
/// slow, and a restart loses nothing either.
///
/// The way to read without missing one: ``subscribe(userID:)`` first, then read the ledger up to
/// some id N, then ``Subscription/wait(after:timeout:)`` with N. An event committed after the
/// subscription existed raised its mark, so the wait returns at once; one committed before it is
/// in what the read returned.
final class OrderEventHub: Sendable {
    /// One subscriber's state.
    private struct Slot {
        var userID: Int64
        /// The highest event id published for the user since the subscription began.
        var latest: Int64 = 0
        var waiter: CheckedContinuation<Bool, Never>?
        /// The pending wait's timeout, cancelled as soon as the wait ends another way: a stream woken
        /// by every commit would otherwise keep one sleeping task per wake for the whole timeout.
        var timer: Task<Void, Never>?
        /// Bumped per wait, so a timeout never resumes a later wait.
        var generation: UInt64 = 0
    }

    private struct State {
        var slots: [UInt64: Slot] = [:]
        var byUser: [Int64: Set<UInt64>] = [:]
        var nextToken: UInt64 = 0
    }

    /// `ORDER_EVENT_SUBSCRIBERS_MAX`: subscriptions at once, across all users.
    let subscribersMax: Int
    private let state = Mutex(State())

    init(subscribersMax: Int) {
        self.subscribersMax = subscribersMax
    }

    /// A subscription to one user's events; ends with ``cancel()`` or when released.
    final class Subscription: Sendable {
        let userID: Int64
        fileprivate let token: UInt64
        private let hub: OrderEventHub

        fileprivate init(userID: Int64, token: UInt64, hub: OrderEventHub) {
            self.userID = userID
            self.token = token
            self.hub = hub
        }

        /// Returns `true` as soon as an event with an id above `after` has been published since
        /// the subscription began (at once if one already was), `false` after `timeout` (the
        /// caller's heartbeat) or when cancelled.
        func wait(after: Int64, timeout: Duration) async -> Bool {
            await hub.wait(token: token, after: after, timeout: timeout)
        }

        /// Ends the subscription, waking a pending wait with `false`.
        func cancel() { hub.remove(token) }

        deinit { hub.remove(token) }
    }

    /// A new subscription, or nil when `subscribersMax` are open.
    func subscribe(userID: Int64) -> Subscription? {
        let token = state.withLock { state -> UInt64? in
            guard state.slots.count < subscribersMax else { return nil }
            state.nextToken += 1
            state.slots[state.nextToken] = Slot(userID: userID)
            state.byUser[userID, default: []].insert(state.nextToken)
            return state.nextToken
        }
        return token.map { Subscription(userID: userID, token: $0, hub: self) }
    }

    /// Subscriptions open now.
    var subscriberCount: Int { state.withLock { $0.slots.count } }

    /// Wait timeouts still pending (at most one per subscription; tests watch it).
    var pendingTimerCount: Int { state.withLock { $0.slots.values.filter { $0.timer != nil }.count } }

    /// Called by the ledger after a commit that wrote event `eventID` for `userID`.
    func publish(userID: Int64, eventID: Int64) {
        let woken = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard let tokens = state.byUser[userID] else { return [] }
            var woken: [CheckedContinuation<Bool, Never>] = []
            for token in tokens {
                state.slots[token]!.latest = max(state.slots[token]!.latest, eventID)
                if let waiter = state.slots[token]!.waiter {
                    state.slots[token]!.waiter = nil
                    state.slots[token]!.timer?.cancel()
                    state.slots[token]!.timer = nil
                    woken.append(waiter)
                }
            }
            return woken
        }
        for waiter in woken { waiter.resume(returning: true) }
    }

    fileprivate func wait(token: UInt64, after: Int64, timeout: Duration) async -> Bool {
        enum Start { case ready(Bool), waiting(UInt64) }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let start = state.withLock { state -> Start in
                    guard var slot = state.slots[token], !Task.isCancelled else { return .ready(false) }
                    if slot.latest > after { return .ready(true) }
                    // One waiter per subscription: a second wait replaces (and ends) the first.
                    if let old = slot.waiter { old.resume(returning: false) }
                    slot.timer?.cancel()
                    slot.timer = nil
                    slot.generation += 1
                    slot.waiter = continuation
                    state.slots[token] = slot
                    return .waiting(slot.generation)
                }
                switch start {
                case .ready(let value): continuation.resume(returning: value)
                case .waiting(let generation):
                    let timer = Task { [weak self] in
                        guard (try? await Task.sleep(for: timeout)) != nil else { return }
                        self?.timeOut(token: token, generation: generation)
                    }
                    let ended = state.withLock { state -> Bool in
                        guard var slot = state.slots[token], slot.generation == generation, slot.waiter != nil else { return true }
                        slot.timer = timer
                        state.slots[token] = slot
                        return false
                    }
                    if ended { timer.cancel() }
                }
            }
        } onCancel: {
            self.timeOut(token: token, generation: nil)
        }
    }

    /// Ends a wait with `false`: the one of `generation`, or whichever is pending when nil.
    private func timeOut(token: UInt64, generation: UInt64?) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard var slot = state.slots[token], generation == nil || slot.generation == generation else { return nil }
            let waiter = slot.waiter
            slot.waiter = nil
            slot.timer?.cancel()
            slot.timer = nil
            state.slots[token] = slot
            return waiter
        }
        waiter?.resume(returning: false)
    }

    fileprivate func remove(_ token: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let slot = state.slots.removeValue(forKey: token) else { return nil }
            slot.timer?.cancel()
            state.byUser[slot.userID]?.remove(token)
            if state.byUser[slot.userID]?.isEmpty == true { state.byUser[slot.userID] = nil }
            return slot.waiter
        }
        waiter?.resume(returning: false)
    }
}
