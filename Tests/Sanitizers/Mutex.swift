#if canImport(Glibc)
import Glibc
#endif

/// The sanitizer builds' `Mutex`: `scripts/sanitize` links this file into every target that imports
/// Synchronization, in the small package (`--small`) and in the whole package's farm alike, where
/// this module-level type shadows `Synchronization.Mutex`. On Linux, Swift's `Mutex` waits on a
/// futex from the standard library, which is not instrumented: when the lock is contended
/// ThreadSanitizer sees no order between two `withLock` bodies and reports the value they share as
/// a race (seen: `EventLoop.schedule` and `drainQueues` on `remote`; in the whole package,
/// `LookupThreads.submit` and `SuiteProcesses.stop`, each on state only touched inside `withLock`).
/// This one locks a `pthread_mutex_t`, which TSan intercepts, with the same API and the same mutual
/// exclusion, so every report left is about our code, and no suppression is needed for locks.
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
