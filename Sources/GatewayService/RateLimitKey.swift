#if canImport(Glibc)
import Glibc
#endif

/// Whose bucket a request draws from: an IPv4 peer by its address, an IPv6 peer by its /64.
///
/// One IPv6 subscriber is handed a /64 (RFC 6177; 2^64 addresses, each a fresh bucket if keyed
/// alone), so the /64 is the smallest unit one client can be told apart by, as nginx's and
/// Cloudflare's per-client limits do. An IPv4-mapped IPv6 peer (`::ffff:a.b.c.d`, a dual-stack
/// listener) is its IPv4 address. Sixteen bytes, whatever the text: no key a client can inflate.
struct RateLimitKey: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    /// The key of a numeric peer address as the server reports it (`"10.0.0.1"`, `"2001:db8::1"`).
    init(peer: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, peer, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, peer, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            // ::ffff:0:0/96 is an IPv4 peer seen through an IPv6 socket (RFC 4291 §2.5.5.2).
            if high == 0 && low >> 32 == 0xFFFF {
                self.init(ipv4: UInt32(truncatingIfNeeded: low))
            } else {
                self.init(high: high, low: 0)
            }
            return
        }
        // Not an address (never from `accept`): one shared key for all such peers rather than
        // a key per spelling.
        self.init(high: UInt64.max, low: UInt64.max)
    }

    private init(ipv4: UInt32) {
        // In the IPv4-mapped range, so it can never equal an IPv6 /64 key (whose low half is 0).
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(ipv4))
    }

    private init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
}
