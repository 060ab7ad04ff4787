import ServiceKit
import Testing

/// The slot of a user and the gateway's shard map (README "Trade shards").
@Suite struct AccountSlotTests {
    /// Pinned: every gateway and shard of every build must agree for ever (FNV-1a 32-bit of the
    /// decimal id, mod 1024; values from an independent implementation).
    @Test(arguments: [(Int64(1), 796), (2, 981), (3, 578), (42, 387), (1000, 708), (Int64.max, 491)])
    func slotIsFNV1aOfTheDecimalIDModulo1024(user: Int64, slot: Int) {
        #expect(AccountSlot.of(userID: user) == slot)
    }

    @Test func slotSetsParseAndPrintRanges() throws {
        let set = try #require(SlotSet(parsing: "0-3, 7,9-10"))
        #expect(set.slots == [0, 1, 2, 3, 7, 9, 10] && set.description == "0-3,7,9-10")
        #expect(SlotSet.all.count == 1024 && SlotSet.all.description == "0-1023")
        for bad in ["", "1024", "5-3", "1,1", "0-10,5", "a", "-1", "+1", "1-", "1--2", "1, ,2"] {
            #expect(SlotSet(parsing: Substring(bad)) == nil, "\(bad)")
        }
    }

    @Test func aShardMapOwnsEverySlotExactlyOnce() throws {
        let map = try ShardMap(parsing: "0-511=http://a:1 ;\n512-1023=http://b:2", variable: "TRADE_SHARDS")
        #expect(map.shards.count == 2)
        #expect(map.shardIndex(of: 1) == 1 && map.shardIndex(of: 42) == 0)  // slots 796 and 387
        let bad: [(String, String)] = [
            ("", "at least one"), ("0-511=http://a:1", "without a shard"), ("0-600=http://a:1 500-1023=http://b:2", "both"),
            ("0-1023=ftp://a:1", "is not"), ("0-1023", "is not"), ("0-511=http://a:1 512-1023=http://a:1", "twice"),
            ("0-1024=http://a:1", "is not"),
        ]
        for (text, words) in bad {
            do {
                _ = try ShardMap(parsing: text, variable: "TRADE_SHARDS")
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.variable == "TRADE_SHARDS" && error.message.contains(words), "\(text): \(error)")
            }
        }
    }
}
