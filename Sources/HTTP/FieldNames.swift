/// A few field names, matched ignoring case: the server's framing fields, the client's own
/// fields, a proxy's hop-by-hop list. Most names are ruled out by their length alone (one bit
/// test), so the common field costs no comparison at all.
public struct FieldNames: Sendable {
    private let names: [String]
    private let lengths: UInt64

    /// The set of `names`, given in lower case.
    public init(_ names: String...) {
        self.names = names
        lengths = names.reduce(0) { $0 | (1 << UInt64($1.utf8.count)) }
    }

    /// Whether `name` is one of the set.
    public func contains(_ name: String) -> Bool {
        let length = name.utf8.count
        guard length < 64, lengths & (1 << UInt64(length)) != 0 else { return false }
        return names.contains { HTTPHeaders.equalsIgnoringCase($0, name) }
    }

    /// The same for a name as bytes off the wire.
    public func contains(_ name: UnsafeRawBufferPointer) -> Bool {
        guard name.count < 64, lengths & (1 << UInt64(name.count)) != 0 else { return false }
        return names.contains { HTTPHeaders.nameEquals(name, $0) }
    }
}
