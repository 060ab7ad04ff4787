/// A few field names, matched ignoring case: the server's framing fields, the client's own
/// fields, a proxy's hop-by-hop list. Most names are ruled out by their length alone (one bit
/// test), so the common field costs no comparison at all; the rest compare bytes against one
/// buffer of the lower-cased names, with no String to open per comparison.
public struct FieldNames: Sendable {
    /// The names' bytes, one after another.
    private let bytes: [UInt8]
    /// Where each name starts in ``bytes``, and its length.
    private let entries: [(start: Int, count: Int)]
    private let lengths: UInt64

    /// The set of `names`, given in lower case.
    public init(_ names: String...) {
        self.init(names)
    }

    /// The set of `names`, given in lower case.
    public init(_ names: [String]) {
        var bytes: [UInt8] = []
        var entries: [(start: Int, count: Int)] = []
        for name in names {
            entries.append((bytes.count, name.utf8.count))
            bytes.append(contentsOf: name.utf8)
        }
        self.bytes = bytes
        self.entries = entries
        lengths = names.reduce(0) { $0 | (1 << UInt64($1.utf8.count)) }
    }

    /// Whether `name` is one of the set.
    public func contains(_ name: String) -> Bool {
        let length = name.utf8.count
        guard length < 64, lengths & (1 << UInt64(length)) != 0 else { return false }
        var name = name
        return name.withUTF8 { matches(UnsafeRawBufferPointer($0)) }
    }

    /// The same for a name as bytes off the wire.
    @inline(__always)
    public func contains(_ name: UnsafeRawBufferPointer) -> Bool {
        guard name.count < 64, lengths & (1 << UInt64(name.count)) != 0 else { return false }
        return matches(name)
    }

    private func matches(_ name: UnsafeRawBufferPointer) -> Bool {
        bytes.withUnsafeBytes { all in
            for entry in entries where entry.count == name.count {
                let own = UnsafeRawBufferPointer(rebasing: all[entry.start..<entry.start + entry.count])
                if HTTPHeaders.bytesEqualIgnoringCase(name, own) { return true }
            }
            return false
        }
    }
}
