/// Platform-independent hashing for the simulated market. `Hasher` is randomly seeded per process and
/// `SystemRandomNumberGenerator` is not reproducible, so the walk uses these fixed functions instead.
enum SplitMix {
    /// The splitmix64 finalizer (Steele, Lea, Flood 2014): a bijective, well-mixing 64-bit hash.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Combines a key with a value; distinct values under one key give independent-looking outputs.
    static func mix(_ key: UInt64, _ value: UInt64) -> UInt64 { mix(key ^ mix(value)) }

    /// FNV-1a over the UTF-8 bytes: a stable identity for a symbol string.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// Uniform in `-radius...radius` (modulo bias is below 1e-13 for the radii used here).
    static func symmetric(_ hash: UInt64, radius: Int64) -> Int64 {
        guard radius > 0 else { return 0 }
        return Int64(hash % UInt64(2 * radius + 1)) - radius
    }
}
