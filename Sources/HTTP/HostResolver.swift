import Sockets
import Synchronization

/// Turns an upstream's host name (a compose service name) into an address without ever blocking an
/// event loop, and remembers the answer:
/// - lookups run on a few threads of their own (``threadsMax``) fed by a bounded queue
///   (``queuedLookupsMax``); a full queue fails the request at once (502) rather than queue more;
/// - a resolved address is used for `successSeconds`; after that the next request still gets it at
///   once while one refresh runs (serve-stale, RFC 8767 §4), so only a host's first request waits;
/// - a failed lookup is remembered for `failureSeconds` (the negative cache): while a container
///   restarts, its name is looked up once per window, not once per request; a refresh that fails
///   keeps the address it had (the service may well still be there);
/// - one lookup per host at a time: requests that need the same name wait on that one lookup.
///
/// Process-wide (``shared``): the gateway's proxies and its health check reach the same hosts.
public final class HostResolver: Sendable {
    /// Blocking name lookup: `SocketAddress.lookup` in production, a stand-in in tests.
    public typealias Lookup = @Sendable (_ host: String, _ port: Int) -> SocketAddress?

    /// What ``resolve(host:port:successSeconds:failureSeconds:waiter:)`` knew at once.
    public enum Answer: Sendable {
        /// An address to use now.
        case address(SocketAddress)
        /// The name failed to resolve within the negative-cache window (or the queue was full).
        case failed
        /// A lookup is running: `waiter` will be called with its outcome.
        case pending
    }

    /// Lookups that may block at once: a process has a handful of upstream names.
    public static let threadsMax = 2
    /// Lookups waiting for a thread. Each is a distinct host (one lookup per host at a time).
    public static let queuedLookupsMax = 64
    /// Hosts remembered; the names come from configuration, never from clients, so this is never
    /// reached in practice. When it is, the oldest entry without a lookup running goes.
    public static let hostsMax = 64
    /// Requests waiting on one host's lookup; past it a request fails at once (502). Requests are
    /// already bounded by the server's connection caps; this keeps one slow name from holding them all.
    public static let waitersPerHostMax = 10_000

    /// The resolver every ``HTTPClient`` uses unless configured otherwise.
    public static let shared = HostResolver()

    private struct Key: Hashable {
        let host: String
        let port: Int
    }

    private struct Entry {
        var address: SocketAddress?
        /// Until when `address` (or, without one, the failure) stands.
        var expiry: ContinuousClock.Instant
        var lookingUp = false
        var waiters: [@Sendable (Result<SocketAddress, HTTPClientError>) -> Void] = []
        var created: ContinuousClock.Instant
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let threads: LookupThreads
    private let lookup: Lookup
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - lookup: the blocking lookup (tests block or count in it).
    ///   - now: the clock of the cache windows (tests move it).
    public init(lookup: @escaping Lookup = { SocketAddress.lookup(host: $0, port: $1) },
                now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.lookup = lookup
        self.now = now
        threads = LookupThreads(threads: Self.threadsMax, queuedMax: Self.queuedLookupsMax, name: "resolver")
    }

    /// The address of `host:port` if known and not expired: the per-request path, one lock and no
    /// allocation. Anything else is for ``resolve(host:port:successSeconds:failureSeconds:waiter:)``.
    public func freshAddress(host: String, port: Int) -> SocketAddress? {
        let at = now()
        return entries.withLock { table in
            guard let entry = table[Key(host: host, port: port)], let address = entry.address, at < entry.expiry else {
                return nil
            }
            return address
        }
    }

    /// The address of `host:port` if known (or a known failure); otherwise starts or joins the
    /// host's lookup and returns `.pending`, and `waiter` is called, on a resolver thread, once
    /// it ends. `waiter` is called only for `.pending`.
    public func resolve(host: String, port: Int, successSeconds: Int, failureSeconds: Int,
                        waiter: @escaping @Sendable (Result<SocketAddress, HTTPClientError>) -> Void) -> Answer {
        let key = Key(host: host, port: port)
        let at = now()
        enum Step { case answer(Answer), start(Answer) }
        let step = entries.withLock { table -> Step in
            var entry = table[key] ?? Entry(expiry: at, created: at)
            defer { store(&table, key, entry) }
            if let address = entry.address {
                guard at >= entry.expiry, !entry.lookingUp else { return .answer(.address(address)) }
                entry.lookingUp = true  // stale: serve it, refresh it
                return .start(.address(address))
            }
            if entry.lookingUp {
                guard entry.waiters.count < Self.waitersPerHostMax else { return .answer(.failed) }
                entry.waiters.append(waiter)
                return .answer(.pending)
            }
            if at < entry.expiry { return .answer(.failed) }  // a failure still remembered
            entry.lookingUp = true
            entry.waiters.append(waiter)
            return .start(.pending)
        }
        switch step {
        case .answer(let answer):
            return answer
        case .start(let answer):
            let queued = threads.submit { [self] in
                let address = lookup(host, port)
                finish(key, address, successSeconds: successSeconds, failureSeconds: failureSeconds)
            }
            if !queued {
                // No room to even try: a failed lookup, for the negative window. Its waiters,
                // `waiter` among them when the answer is `.pending`, are told now.
                finish(key, nil, successSeconds: successSeconds, failureSeconds: failureSeconds)
            }
            return answer
        }
    }

    private func finish(_ key: Key, _ address: SocketAddress?, successSeconds: Int, failureSeconds: Int) {
        let at = now()
        let (waiters, result) = entries.withLock { table -> ([@Sendable (Result<SocketAddress, HTTPClientError>) -> Void],
                                                           Result<SocketAddress, HTTPClientError>) in
            var entry = table[key] ?? Entry(expiry: at, created: at)
            entry.lookingUp = false
            if let address {
                entry.address = address
                entry.expiry = at + .seconds(successSeconds)
            } else {
                // A refresh that failed keeps the old address; either way, no new lookup for a while.
                entry.expiry = at + .seconds(failureSeconds)
            }
            let waiters = entry.waiters
            entry.waiters = []
            table[key] = entry
            return (waiters, entry.address.map { .success($0) } ?? .failure(.connectFailed))
        }
        for waiter in waiters { waiter(result) }
    }

    /// Stores `entry`, evicting the oldest idle entry if a new key finds the table full.
    private func store(_ table: inout [Key: Entry], _ key: Key, _ entry: Entry) {
        if table[key] == nil && table.count >= Self.hostsMax,
           let oldest = table.filter({ !$0.value.lookingUp }).min(by: { $0.value.created < $1.value.created })?.key {
            table[oldest] = nil
        }
        table[key] = entry
    }
}
