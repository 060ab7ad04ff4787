#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Counts a process's open connections, in total and per client, and says whether one more may
/// be served (``HTTPLimits/connectionsMax``, ``HTTPLimits/connectionsPerPeerMax``). Shared by
/// every event loop of a server; pure bookkeeping, no sockets.
///
/// A client is its address, except that an IPv6 client is its /64: one subscriber is routinely
/// given a whole /64, so counting each address alone would let one laptop open 2^64 "peers".
final class ConnectionAdmission: Sendable {
    /// What to do with a connection just accepted.
    enum Verdict: Equatable {
        /// Counted; serve it (and ``release(peer:)`` it when it closes).
        case admitted
        /// Its client already holds ``HTTPLimits/connectionsPerPeerMax``: close it.
        case overPeer
    }

    private let totalMax: Int
    private let perPeerMax: Int
    private let total = Atomic<Int>(0)
    /// Open connections per client key; an entry leaves when its count reaches 0, so the table
    /// never holds more entries than there are connections (at most `totalMax`).
    private let perPeer = Mutex<[String: Int]>([:])

    /// `perPeerMax` 0 means no per-client limit.
    init(totalMax: Int, perPeerMax: Int) {
        self.totalMax = totalMax
        self.perPeerMax = perPeerMax
    }

    /// Connections counted now.
    var count: Int { total.load(ordering: .relaxed) }

    /// Whether the total is at its limit: the listener should stop accepting.
    var isFull: Bool { count >= totalMax }

    /// Takes a place for a connection about to be accepted; false at the limit (stop accepting).
    /// Taken before `accept`, so that loops racing for the last place never accept one too many
    /// (which would have to be closed, where waiting in the backlog was promised).
    func reservePlace() -> Bool {
        var current = total.load(ordering: .relaxed)
        while current < totalMax {
            let (exchanged, original) = total.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Gives back a place reserved for an `accept` that brought no connection.
    func cancelPlace() {
        total.subtract(1, ordering: .relaxed)
    }

    /// Counts the connection accepted into a reserved place against its client `peer` (a numeric
    /// address); over the client's limit the place is given back.
    func admit(peer: String) -> Verdict {
        guard perPeerMax > 0 else { return .admitted }
        let key = Self.key(peer)
        let admitted = perPeer.withLock { table -> Bool in
            let held = table[key, default: 0]
            guard held < perPeerMax else { return false }
            table[key] = held + 1
            return true
        }
        if admitted { return .admitted }
        cancelPlace()
        return .overPeer
    }

    /// Forgets an admitted connection from `peer`.
    func release(peer: String) {
        total.subtract(1, ordering: .relaxed)
        guard perPeerMax > 0 else { return }
        let key = Self.key(peer)
        perPeer.withLock { table in
            guard let held = table[key] else { return }
            table[key] = held > 1 ? held - 1 : nil
        }
    }

    /// Open connections of `peer`'s client (tests).
    func count(peer: String) -> Int {
        perPeer.withLock { $0[Self.key(peer)] ?? 0 }
    }

    /// The client an address belongs to: an IPv4 address itself, an IPv6 address's /64 (an
    /// IPv4-mapped IPv6 address is its IPv4 address).
    static func key(_ peer: String) -> String {
        guard peer.utf8.contains(UInt8(ascii: ":")) else { return peer }
        var address = in6_addr()
        guard inet_pton(AF_INET6, peer, &address) == 1 else { return peer }
        let bytes = withUnsafeBytes(of: address) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        var key = ""
        for index in stride(from: 0, to: 8, by: 2) {
            key += String(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]), radix: 16) + ":"
        }
        return key + ":/64"
    }
}
