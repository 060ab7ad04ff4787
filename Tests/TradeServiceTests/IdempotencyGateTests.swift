import TestSupport
import Testing
@testable import TradeService

/// The in-memory gate behind `409 idempotency-in-flight` (API.md "Trade"): one request per
/// `(user, Idempotency-Key)` at a time, keys of 1 to 255 visible ASCII characters. The 409 and the
/// 422 for a key reused with another request are checked end to end in `TradeIdempotencyTests`.
@Suite struct IdempotencyGateTests {
    /// `(key, valid, why)`.
    static let keys: [(String, Bool, String)] = [
        ("a", true, "one character"),
        ("order-2026-11-24#1", true, "visible ASCII"),
        ("!~", true, "the ends of %x21-7E"),
        (String(repeating: "k", count: 255), true, "255 characters, the most"),
        (String(repeating: "k", count: 256), false, "256 characters"),
        ("", false, "empty"),
        ("a b", false, "a space (0x20)"),
        ("a\tb", false, "a tab"),
        ("a\u{7f}", false, "DEL (0x7F)"),
        ("caf\u{e9}", false, "non-ASCII"),
        ("a\r\nb", false, "CR LF"),
        ("a\u{0}", false, "NUL"),
        (String(repeating: "\u{e9}", count: 128), false, "non-ASCII: 128 characters, 256 bytes"),
    ]

    @Test(arguments: keys)
    func keyValidity(_ key: String, _ valid: Bool, _ why: String) {
        #expect(IdempotencyGate.isValid(key) == valid, "\(why)")
    }

    @Test func aPairInFlightCannotBeClaimedAgainUntilReleased() {
        let gate = IdempotencyGate()
        #expect(gate.claim(userID: 1, key: "k"))
        #expect(!gate.claim(userID: 1, key: "k"), "in flight: the handler answers 409")
        #expect(gate.claim(userID: 2, key: "k"), "another user's key is another pair")
        #expect(gate.claim(userID: 1, key: "K"), "keys are case-sensitive")
        gate.release(userID: 1, key: "k")
        #expect(gate.claim(userID: 1, key: "k"), "released: a retry may run")
    }

    @Test func releasingAnotherPairOrTwiceFreesNothingElse() {
        let gate = IdempotencyGate()
        #expect(gate.claim(userID: 1, key: "k"))
        gate.release(userID: 2, key: "k")
        gate.release(userID: 1, key: "other")
        #expect(!gate.claim(userID: 1, key: "k"))
        gate.release(userID: 1, key: "k")
        gate.release(userID: 1, key: "k")
        #expect(gate.count == 0)
    }

    /// Many retries of one order at once: exactly one runs.
    @Test func concurrentClaimsOfOnePairHaveOneWinner() async {
        let gate = IdempotencyGate()
        let winners = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    if gate.claim(userID: 7, key: "order-1") { winners.increment() }
                }
            }
        }
        #expect(winners.value == 1)
    }

    /// The gate's bound is the requests in flight: every claim is released, so the set empties and
    /// no key outlives its request (a key is at most 255 bytes, `isValid`).
    @Test func theGateHoldsOnlyPairsInFlight() async {
        let gate = IdempotencyGate()
        await withTaskGroup(of: Void.self) { group in
            for user in 0..<50 {
                group.addTask {
                    for order in 0..<100 {
                        #expect(gate.claim(userID: Int64(user), key: "order-\(order)"))
                        #expect(gate.count >= 1 && gate.count <= 50, "at most one pair in flight per task")
                        gate.release(userID: Int64(user), key: "order-\(order)")
                    }
                }
            }
        }
        #expect(gate.count == 0)
    }
}
