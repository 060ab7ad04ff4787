import Testing
@testable import HTTP

@Suite("RequestID")
struct RequestIDTests {
    @Test("ids are the process prefix, a dash and a base-32 counter that goes up, in at most 15 bytes")
    func shape() throws {
        let ids = (0..<300).map { _ in RequestID.next() }
        let prefix = try #require(ids.first?.split(separator: "-").first)
        #expect(prefix.count == 8 && prefix.allSatisfy { "0123456789abcdefghijklmnopqrstuv".contains($0) })
        let counters = try ids.map { id in
            let parts = id.split(separator: "-")
            #expect(parts.count == 2 && parts[0] == prefix, "\(id)")
            #expect(parts[1].allSatisfy { "0123456789abcdefghijklmnopqrstuv".contains($0) }, "\(id)")
            // Short enough to be stored inline (no allocation) for the first 2^30 ids.
            #expect(id.utf8.count <= 15, "\(id)")
            #expect(RequestID.isAcceptable(id), "\(id)")
            return try #require(UInt64(parts[1], radix: 32), "\(id)")
        }
        // Other tests may take ids meanwhile, so strictly increasing rather than consecutive.
        #expect(zip(counters, counters.dropFirst()).allSatisfy { $0 < $1 }, "\(counters)")
        #expect(Set(ids).count == ids.count)
    }
}
