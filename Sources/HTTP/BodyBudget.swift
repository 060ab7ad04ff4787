import Synchronization

/// The process-wide budget of request-body bytes held in memory (``HTTPLimits/bufferedBodyBytesMax``):
/// every connection charges the body bytes it buffers and releases them when the request is
/// answered or the connection closes. Shared by every event loop; pure bookkeeping.
///
/// A quarter of the budget is kept for small bodies (at most ``HTTPLimits/smallBodyBytesMax``,
/// which every order or login is): a body past that size is refused once the total would pass
/// three quarters, a small one only at the whole budget. So clients that hold large bodies
/// half-sent (the slow-body attack) are shed, while ordinary requests still get through. Like
/// Envoy's overload manager resetting its largest streams first; the total never passes the
/// budget, whoever sends.
final class BodyBudget: Sendable {
    private let bytesMax: Int
    private let largeBodiesBytesMax: Int
    private let smallBodyBytesMax: Int
    private let held = Atomic<Int>(0)

    init(bytesMax: Int, smallBodyBytesMax: Int) {
        self.bytesMax = bytesMax
        largeBodiesBytesMax = bytesMax - bytesMax / 4
        self.smallBodyBytesMax = smallBodyBytesMax
    }

    /// Bytes charged now.
    var bytesHeld: Int { held.load(ordering: .relaxed) }

    /// Charges `bytes` more of a body whose `Content-Length` is `declaredBytes` (`nil` when
    /// chunked); false (and nothing charged) when that would pass the budget for a body of its
    /// size. A body is small by what it declares, not by what has arrived: judged by its bytes so
    /// far, the first 16 KiB of every large body would be charged against the reserve, and a few
    /// hundred stalled large bodies could spend it. A chunked body's size is unknown: large.
    func charge(_ bytes: Int, declaredBytes: Int?) -> Bool {
        let small = declaredBytes.map { $0 <= smallBodyBytesMax } ?? false
        let ceiling = small ? bytesMax : largeBodiesBytesMax
        var current = held.load(ordering: .relaxed)
        while true {
            guard current + bytes <= ceiling else { return false }
            let (exchanged, original) = held.compareExchange(expected: current, desired: current + bytes,
                                                             ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Gives back bytes charged before.
    func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        held.subtract(bytes, ordering: .relaxed)
    }
}
