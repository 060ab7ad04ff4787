import Synchronization

/// Which `(user, Idempotency-Key)` pairs have a request executing right now. In memory on
/// purpose: after a crash or restart nothing is "in flight", and the key's fate is whatever the
/// database committed (API.md).
final class IdempotencyGate: Sendable {
    private struct Entry: Hashable {
        let userID: Int64
        let key: String
    }

    private let running = Mutex<Set<Entry>>([])

    /// Claims the pair; `false` when a request with it is already running.
    func claim(userID: Int64, key: String) -> Bool {
        running.withLock { $0.insert(Entry(userID: userID, key: key)).inserted }
    }

    /// Releases a claimed pair.
    func release(userID: Int64, key: String) {
        _ = running.withLock { $0.remove(Entry(userID: userID, key: key)) }
    }

    /// Pairs claimed now (tests check that every claim is released).
    var count: Int { running.withLock { $0.count } }

    /// Whether `key` is a usable key: 1 to 255 characters of `%x21-7E` (API.md).
    static func isValid(_ key: String) -> Bool {
        let bytes = key.utf8
        return (1...255).contains(bytes.count) && bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }
}
