/// Which trade shard owns each account slot (``AccountSlot``): the gateway's `TRADE_SHARDS`.
///
/// Written as entries separated by spaces, newlines or `;`, each `SLOTS=URL`:
/// `0-511=http://trade-0:5003 512-1023=http://trade-1:5003`. Every slot must be owned by exactly
/// one entry, and no URL may appear twice (two entries of one shard are one entry with more
/// slots); anything else is a start error naming the variable.
public struct ShardMap: Sendable, Equatable {
    /// One shard: its slots and where it listens.
    public struct Shard: Sendable, Equatable {
        public var slots: SlotSet
        public var url: ServiceURL
    }

    /// The shards in the order written.
    public let shards: [Shard]
    /// The index in ``shards`` of each slot's owner.
    private let owner: [UInt16]

    /// Most entries: one per slot at the very most.
    public static let shardsMax = AccountSlot.count

    /// Parses `text`; the error names `variable`.
    public init(parsing text: String, variable: String) throws(ConfigError) {
        var shards: [Shard] = []
        var owner = [UInt16?](repeating: nil, count: AccountSlot.count)
        let entries = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == ";" })
        guard !entries.isEmpty else { throw ConfigError(variable, "must list at least one SLOTS=URL entry") }
        guard entries.count <= Self.shardsMax else {
            throw ConfigError(variable, "lists \(entries.count) shards; at most \(Self.shardsMax)")
        }
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let slots = SlotSet(parsing: parts[0]), let url = ServiceURL(String(parts[1])) else {
                throw ConfigError(variable, "entry \"\(entry)\" is not SLOTS=http://HOST:PORT with SLOTS like 0-255,300 (each below \(AccountSlot.count), none twice)")
            }
            guard !shards.contains(where: { $0.url == url }) else {
                throw ConfigError(variable, "names \(url) twice; give one entry all of a shard's slots")
            }
            for slot in slots.slots {
                if let earlier = owner[slot] {
                    throw ConfigError(variable, "gives slot \(slot) to both \(shards[Int(earlier)].url) and \(url)")
                }
                owner[slot] = UInt16(shards.count)
            }
            shards.append(Shard(slots: slots, url: url))
        }
        let unowned = owner.indices.filter { owner[$0] == nil }
        guard unowned.isEmpty else {
            var missing = SlotSet()
            for slot in unowned { missing.insert(slot) }
            throw ConfigError(variable, "leaves slots \(missing) without a shard; every slot 0-\(AccountSlot.count - 1) needs exactly one")
        }
        self.shards = shards
        self.owner = owner.map { $0! }
    }

    /// One shard owning every slot (the default: `TRADE_URL`).
    public init(single url: ServiceURL) {
        shards = [Shard(slots: .all, url: url)]
        owner = Array(repeating: 0, count: AccountSlot.count)
    }

    /// The index in ``shards`` of the shard that owns `userID`'s account.
    public func shardIndex(of userID: Int64) -> Int { Int(owner[AccountSlot.of(userID: userID)]) }
}
