/// An ordered list of header fields; names compare case-insensitively (RFC 9110 §5.1).
///
/// A plain array beats a dictionary here: requests carry a handful of fields, and order and
/// repetition must survive for framing checks and proxying.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields, in the order received or added.
    public private(set) var fields: [(name: String, value: String)] = []

    /// An empty header list.
    public init() {}

    /// Fields from literal pairs, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// Fields from pairs, in order.
    public init(_ pairs: [(name: String, value: String)]) {
        fields = pairs
    }

    /// The first value of `name`, if any.
    public subscript(name: String) -> String? {
        for field in fields where Self.equalsIgnoringCase(field.name, name) { return field.value }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.equalsIgnoringCase($0.name, name) }.map(\.value)
    }

    /// Whether any field named `name` exists.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field (keeps existing ones with the same name).
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name: name, value: value))
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    /// Removes the fields for which `predicate` is true.
    public mutating func removeAll(where predicate: ((name: String, value: String)) -> Bool) {
        fields.removeAll(where: predicate)
    }

    /// Room for `count` fields without growing: the parser's one allocation instead of a few.
    public mutating func reserveCapacity(_ count: Int) {
        fields.reserveCapacity(count)
    }

    /// The number of fields.
    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// Whether a comma-separated field (e.g. `Connection`) lists `token`, case-insensitively.
    public func hasToken(_ token: String, in name: String) -> Bool {
        for field in fields where Self.equalsIgnoringCase(field.name, name) {
            for part in field.value.split(separator: ",") {
                if Self.equalsIgnoringCase(part.trimmingSpaces, token) { return true }
            }
        }
        return false
    }

    /// ASCII case-insensitive comparison of two strings. Checked on every field of every request
    /// (framing, hop-by-hop filtering), so lengths are compared first: most comparisons end there.
    @inline(__always)
    public static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && sameLengthEqualsIgnoringCase(a, b)
    }

    @usableFromInline
    static func sameLengthEqualsIgnoringCase(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { left in
            b.withUTF8 { right in bytesEqualIgnoringCase(UnsafeRawBufferPointer(left), UnsafeRawBufferPointer(right)) }
        }
    }

    /// Whether a field name, as bytes off the wire, is `lowercased` (given in lower case), ignoring case.
    @inline(__always)
    public static func nameEquals(_ name: UnsafeRawBufferPointer, _ lowercased: String) -> Bool {
        name.count == lowercased.utf8.count && sameLengthNameEquals(name, lowercased)
    }

    @usableFromInline
    static func sameLengthNameEquals(_ name: UnsafeRawBufferPointer, _ lowercased: String) -> Bool {
        var lowercased = lowercased
        return lowercased.withUTF8 { bytesEqualIgnoringCase(name, UnsafeRawBufferPointer($0)) }
    }

    /// Whether two byte runs of the same length differ at most in the case of ASCII letters.
    @usableFromInline
    static func bytesEqualIgnoringCase(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) -> Bool {
        for index in 0..<left.count {
            let x = left[index]
            let y = right[index]
            if x == y { continue }
            let lower = x | 0x20
            if lower != y | 0x20 || lower < 0x61 || lower > 0x7A { return false }
        }
        return true
    }

    /// ASCII case-insensitive comparison without allocating lower-cased copies.
    public static func equalsIgnoringCase<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case let (x?, y?):
                if x != y && (x | 0x20) != (y | 0x20) { return false }
                if x != y && !((x | 0x20) >= 0x61 && (x | 0x20) <= 0x7A) { return false }
            default: return false
            }
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP's OWS).
    public var trimmingSpaces: Substring {
        let view = Substring(self)
        var start = view.startIndex
        var end = view.endIndex
        while start < end, view[start] == " " || view[start] == "\t" { start = view.index(after: start) }
        while end > start, view[view.index(before: end)] == " " || view[view.index(before: end)] == "\t" {
            end = view.index(before: end)
        }
        return view[start..<end]
    }
}
