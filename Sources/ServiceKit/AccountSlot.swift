import HTTP

/// Which of the fixed account slots a user's trade account lives in: what trade shards own and the
/// gateway routes by (README "Trade shards").
///
/// The slot is FNV-1a (32-bit) of the user id's decimal digits (the token's `sub`, as sent),
/// modulo ``count``. Written out here rather than Swift's `Hasher`, which is seeded per process:
/// every gateway and shard, of any build, must agree on it for ever, since moving an account is a
/// migration (`AccountSlotTests` pins a table of values).
public enum AccountSlot {
    /// Slots in the system: fixed for the life of the data (changing it moves every account).
    /// 1024 lets a shard count up to 1024 split evenly enough (each shard a range) while a slot
    /// table stays one small array per process.
    public static let count = 1024

    /// The slot of `userID`.
    public static func of(userID: Int64) -> Int {
        var hash: UInt32 = 0x811C_9DC5  // FNV-1a 32-bit offset basis
        for byte in String(userID).utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193  // FNV prime
        }
        return Int(hash % UInt32(count))
    }
}

/// A set of slots, written as comma-separated numbers and ranges (`0-255,300,512-1023`).
public struct SlotSet: Sendable, Equatable, CustomStringConvertible {
    private var words: [UInt64]

    /// No slot.
    public init() {
        words = Array(repeating: 0, count: AccountSlot.count / 64)
    }

    /// Every slot.
    public static var all: SlotSet {
        var set = SlotSet()
        for slot in 0..<AccountSlot.count { set.insert(slot) }
        return set
    }

    /// The slots of `0-255,300` (ranges inclusive); `nil` when a piece is not a slot or range in
    /// `0..<AccountSlot.count`, a range runs backwards, or a slot is named twice.
    public init?(parsing text: Substring) {
        self.init()
        let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
        guard pieces.count <= AccountSlot.count else { return nil }
        for piece in pieces {
            let bounds = piece.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Self.slot(bounds[0]),
                  let high = bounds.count == 2 ? Self.slot(bounds[1]) : low, low <= high
            else { return nil }
            for slot in low...high {
                guard !contains(slot) else { return nil }
                insert(slot)
            }
        }
    }

    private static func slot(_ text: Substring) -> Int? {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty, trimmed.utf8.count <= 4, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(trimmed), value < AccountSlot.count
        else { return nil }
        return value
    }

    /// Whether `slot` is in the set.
    public func contains(_ slot: Int) -> Bool { words[slot >> 6] & (1 << UInt64(slot & 63)) != 0 }

    /// Adds `slot`.
    public mutating func insert(_ slot: Int) { words[slot >> 6] |= 1 << UInt64(slot & 63) }

    /// Removes `slot`.
    public mutating func remove(_ slot: Int) { words[slot >> 6] &= ~(1 << UInt64(slot & 63)) }

    /// The slots in ascending order.
    public var slots: [Int] { (0..<AccountSlot.count).filter(contains) }

    /// How many slots.
    public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    public var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// Ranges joined by commas, the form ``init(parsing:)`` reads.
    public var description: String {
        var pieces: [String] = []
        var slot = 0
        while slot < AccountSlot.count {
            guard contains(slot) else { slot += 1; continue }
            var end = slot
            while end + 1 < AccountSlot.count && contains(end + 1) { end += 1 }
            pieces.append(end == slot ? "\(slot)" : "\(slot)-\(end)")
            slot = end + 1
        }
        return pieces.joined(separator: ",")
    }
}
