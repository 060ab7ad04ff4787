import CCurl
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A libcurl share handle for the DNS cache and TLS sessions, used by every worker's easy handle.
///
/// Each worker already reuses its own connections; the share adds that a TLS session or DNS answer
/// obtained by one worker lets the others resume instead of doing a full handshake and lookup.
/// Connections themselves are not shared (`CURL_LOCK_DATA_CONNECT`): a per-thread pool needs no
/// cross-thread locking on every transfer.
///
/// `@unchecked Sendable`: libcurl serializes all access to the shared data through the lock callbacks
/// below, one pthread mutex per `curl_lock_data` kind, which is what makes a share usable from several
/// threads (see curl_share_setopt(3), CURLSHOPT_LOCKFUNC).
final class CurlShare: @unchecked Sendable {
    /// The `CURLSH *`; nil when libcurl could not make one (then handles simply go unshared).
    let handle: UnsafeMutableRawPointer?
    private let locks: UnsafeMutablePointer<pthread_mutex_t>
    private let lockCount: Int

    init() {
        lockCount = Int(CURL_LOCK_DATA_LAST.rawValue)
        locks = .allocate(capacity: lockCount)
        for index in 0..<lockCount { pthread_mutex_init(locks + index, nil) }
        guard CurlGlobal.isReady, let share = ccurl_share_init() else {
            handle = nil
            return
        }
        handle = share
        _ = ccurl_share_setopt_lockfunc(share, curlShareLock)
        _ = ccurl_share_setopt_unlockfunc(share, curlShareUnlock)
        _ = ccurl_share_setopt_ptr(share, CURLSHOPT_USERDATA, UnsafeMutableRawPointer(locks))
        _ = ccurl_share_setopt_int(share, CURLSHOPT_SHARE, Int32(CURL_LOCK_DATA_DNS.rawValue))
        _ = ccurl_share_setopt_int(share, CURLSHOPT_SHARE, Int32(CURL_LOCK_DATA_SSL_SESSION.rawValue))
    }

    deinit {
        // Runs after the last easy handle using the share was cleaned up: each one holds a reference.
        if let handle { ccurl_share_cleanup(handle) }
        for index in 0..<lockCount { pthread_mutex_destroy(locks + index) }
        locks.deallocate()
    }
}

/// CURLSHOPT_LOCKFUNC: the user pointer is the mutex array, indexed by the kind of data being locked.
/// Shared and exclusive access both take the mutex; the critical sections are tiny.
private let curlShareLock: curl_lock_function = { _, data, _, userPointer in
    guard let userPointer, data.rawValue < CURL_LOCK_DATA_LAST.rawValue else { return }
    let locks = userPointer.assumingMemoryBound(to: pthread_mutex_t.self)
    pthread_mutex_lock(locks + Int(data.rawValue))
}

/// CURLSHOPT_UNLOCKFUNC, the counterpart of `curlShareLock`.
private let curlShareUnlock: curl_unlock_function = { _, data, userPointer in
    guard let userPointer, data.rawValue < CURL_LOCK_DATA_LAST.rawValue else { return }
    let locks = userPointer.assumingMemoryBound(to: pthread_mutex_t.self)
    pthread_mutex_unlock(locks + Int(data.rawValue))
}
