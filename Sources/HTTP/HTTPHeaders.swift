/// An ordered list of header fields; names compare case-insensitively (RFC 9110 §5.1).
///
/// A plain array beats a dictionary here: requests carry a handful of fields, and order and
/// repetition must survive for framing checks and proxying.
///
/// Fields parsed off the wire stay bytes (``Wire``) until someone asks for a `String`: the
/// gateway forwards most fields untouched, and making a `String` of each (an allocation for a
/// long `Authorization`) was a tenth of its work per request. The first change to such a list
/// turns it into strings.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// The field section's bytes, and where each field's name and (trimmed) value lie in them.
    struct Wire: Sendable {
        var bytes: [UInt8]
        var entries: [(nameStart: UInt32, nameEnd: UInt32, valueStart: UInt32, valueEnd: UInt32)]
    }

    private var wire: Wire?
    /// The fields as strings, when not ``wire``.
    private var strings: [(name: String, value: String)] = []

    /// An empty header list.
    public init() {}

    /// Fields from literal pairs, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        strings = elements.map { (name: $0.0, value: $0.1) }
    }

    /// Fields from pairs, in order.
    public init(_ pairs: [(name: String, value: String)]) {
        strings = pairs
    }

    /// Fields as the parser found them in `wire.bytes`.
    init(wire: Wire) {
        self.wire = wire
    }

    /// The fields, in the order received or added.
    public var fields: [(name: String, value: String)] {
        guard let wire else { return strings }
        return wire.entries.map { entry in
            (name: Self.string(wire.bytes, entry.nameStart, entry.nameEnd),
             value: Self.string(wire.bytes, entry.valueStart, entry.valueEnd))
        }
    }

    /// The first value of `name`, if any.
    public subscript(name: String) -> String? {
        if let wire {
            guard let index = wire.firstIndex(of: name) else { return nil }
            let entry = wire.entries[index]
            return Self.string(wire.bytes, entry.valueStart, entry.valueEnd)
        }
        for field in strings where Self.equalsIgnoringCase(field.name, name) { return field.value }
        return nil
    }

    /// The bytes of the first value of `name`, if any; a slice sharing the parsed head's storage
    /// (no copy) for fields off the wire.
    public func valueBytes(_ name: String) -> ArraySlice<UInt8>? {
        if let wire {
            guard let index = wire.firstIndex(of: name) else { return nil }
            let entry = wire.entries[index]
            return wire.bytes[Int(entry.valueStart)..<Int(entry.valueEnd)]
        }
        return self[name].map { Array($0.utf8)[...] }
    }

    /// Calls `body` with each field's name and value as bytes, in order, without making strings.
    public func forEachField(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        if let wire {
            wire.bytes.withUnsafeBytes { raw in
                for entry in wire.entries {
                    body(UnsafeRawBufferPointer(rebasing: raw[Int(entry.nameStart)..<Int(entry.nameEnd)]),
                         UnsafeRawBufferPointer(rebasing: raw[Int(entry.valueStart)..<Int(entry.valueEnd)]))
                }
            }
            return
        }
        for (name, value) in strings {
            var name = name
            var value = value
            name.withUTF8 { name in value.withUTF8 { body(UnsafeRawBufferPointer(name), UnsafeRawBufferPointer($0)) } }
        }
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        guard let wire else { return strings.filter { Self.equalsIgnoringCase($0.name, name) }.map(\.value) }
        var found: [String] = []
        var name = name
        name.withUTF8 { wanted in
            wire.bytes.withUnsafeBytes { raw in
                for entry in wire.entries where Int(entry.nameEnd - entry.nameStart) == wanted.count
                    && Self.bytesEqualIgnoringCase(UnsafeRawBufferPointer(rebasing: raw[Int(entry.nameStart)..<Int(entry.nameEnd)]),
                                                   UnsafeRawBufferPointer(wanted)) {
                    found.append(Self.string(wire.bytes, entry.valueStart, entry.valueEnd))
                }
            }
        }
        return found
    }

    /// Whether any field named `name` exists.
    public func contains(_ name: String) -> Bool {
        if let wire { return wire.firstIndex(of: name) != nil }
        return self[name] != nil
    }

    /// Appends a field (keeps existing ones with the same name).
    public mutating func add(_ name: String, _ value: String) {
        makeStrings()
        strings.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        strings.append((name: name, value: value))
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        makeStrings()
        strings.removeAll { Self.equalsIgnoringCase($0.name, name) }
    }

    /// Removes the fields for which `predicate` is true.
    public mutating func removeAll(where predicate: ((name: String, value: String)) -> Bool) {
        makeStrings()
        strings.removeAll(where: predicate)
    }

    /// The number of fields.
    public var count: Int { wire?.entries.count ?? strings.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    private mutating func makeStrings() {
        guard wire != nil else { return }
        strings = fields
        wire = nil
    }

    private static func string(_ bytes: [UInt8], _ start: UInt32, _ end: UInt32) -> String {
        bytes.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[Int(start)..<Int(end)]), as: UTF8.self) }
    }

    /// Whether a comma-separated field (e.g. `Connection`) lists `token`, case-insensitively.
    public func hasToken(_ token: String, in name: String) -> Bool {
        for value in values(name) {
            for part in value.split(separator: ",") {
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
        // Eight bytes at a time: every field name of every request and relayed answer is compared
        // here, and a byte loop was the larger part of it (bench/RESULTS.md).
        var index = 0
        while index + 8 <= left.count {
            let x = left.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let y = right.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if x != y && lowercasedASCII(x) != lowercasedASCII(y) { return false }
            index += 8
        }
        while index < left.count {
            let x = left[index]
            let y = right[index]
            index += 1
            if x == y { continue }
            let lower = x | 0x20
            if lower != y | 0x20 || lower < 0x61 || lower > 0x7A { return false }
        }
        return true
    }

    /// `word` with each of its eight bytes that is an ASCII capital letter made lower case, the
    /// others (bytes from 0x80 included) unchanged.
    @inline(__always)
    static func lowercasedASCII(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits = ones &* 0x80
        // Each byte's low seven bits plus an offset set its high bit when the byte is at least
        // `A` (0x41), or more than `Z` (0x5A); no sum carries into the next byte.
        let low = word & ~highBits
        let atLeastA = low &+ ones &* (0x80 - 0x41)
        let pastZ = low &+ ones &* (0x80 - 0x5B)
        let capitals = atLeastA & ~pastZ & ~word & highBits
        return word | (capitals >> 2)
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

extension HTTPHeaders.Wire {
    /// The first entry whose name is `name`, ignoring case.
    func firstIndex(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBytes { raw in
                entries.firstIndex { entry in
                    Int(entry.nameEnd - entry.nameStart) == wanted.count
                        && HTTPHeaders.bytesEqualIgnoringCase(UnsafeRawBufferPointer(rebasing: raw[Int(entry.nameStart)..<Int(entry.nameEnd)]),
                                                              UnsafeRawBufferPointer(wanted))
                }
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
