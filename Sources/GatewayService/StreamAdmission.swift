import Synchronization

/// How many relayed streams (`text/event-stream` answers) the gateway holds open: in total
/// (`STREAMS_MAX`) and per client (`STREAMS_PER_PEER_MAX`, a client being an IPv4 address or an
/// IPv6 /64, as for the rate limit). A stream holds a client connection and an upstream connection
/// for as long as it lasts, so one client must not be able to take them all. Shared by every loop.
final class StreamAdmission: Sendable {
    enum Verdict: Equatable {
        case admitted
        /// The client holds `streamsPerPeerMax` streams already (429).
        case peerFull
        /// The gateway holds `streamsMax` streams already (503).
        case full
    }

    let streamsMax: Int
    let streamsPerPeerMax: Int
    /// Open streams per client; an entry exists only while its count is above zero, so the table
    /// holds at most `streamsMax` entries.
    private let table = Mutex<(total: Int, perPeer: [RateLimitKey: Int])>((0, [:]))

    init(streamsMax: Int, streamsPerPeerMax: Int) {
        self.streamsMax = streamsMax
        self.streamsPerPeerMax = streamsPerPeerMax
    }

    /// Counts one more stream for `peer`, or says why not (nothing counted then).
    func admit(peer: String) -> Verdict {
        let key = RateLimitKey(peer: peer)
        return table.withLock { table in
            guard table.total < streamsMax else { return .full }
            let held = table.perPeer[key, default: 0]
            guard held < streamsPerPeerMax else { return .peerFull }
            table.perPeer[key] = held + 1
            table.total += 1
            return .admitted
        }
    }

    /// Forgets one admitted stream of `peer`.
    func release(peer: String) {
        let key = RateLimitKey(peer: peer)
        table.withLock { table in
            guard let held = table.perPeer[key] else { return }
            table.perPeer[key] = held > 1 ? held - 1 : nil
            table.total -= 1
        }
    }

    /// Streams open now.
    var count: Int { table.withLock { $0.total } }
}
