#if canImport(Glibc)
import Glibc
#endif

/// The sanitizer builds' `Mutex` (Tests/Sanitizers only: `scripts/sanitize --small` links this file
/// into every target that imports Synchronization, where this module-level type shadows
/// `Synchronization.Mutex`). On Linux, Swift's `Mutex` waits on a futex from the standard library,
/// which is not instrumented: when the lock is contended ThreadSanitizer sees no order between two
/// `withLock` bodies and reports the value they share as a race (seen: `EventLoop.schedule` and
/// `drainQueues`, both inside `remote.withLock`). This one locks a `pthread_mutex_t`, which TSan
/// intercepts, with the same API and the same mutual exclusion, so every report left is about our
/// code, and no suppression is needed for locks.
final class Mutex<Value: ~Copyable>: @unchecked Sendable {
    private nonisolated(unsafe) var value: Value
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(_ initialValue: consuming sending Value) {
        value = initialValue
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return try body(&value)
    }

    func withLockIfAvailable<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result? {
        guard pthread_mutex_trylock(lock) == 0 else { return nil }
        defer { pthread_mutex_unlock(lock) }
        return try body(&value)
    }
}
