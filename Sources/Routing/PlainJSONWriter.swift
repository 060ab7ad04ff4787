/// Writes JSON by hand for the hottest bodies, where `JSONEncoder` costs more than the rest of the
/// request (measured with callgrind in bench/RESULTS.md: a transaction's 201 body was 68,000
/// instructions of a 440,000-instruction order, because every `Cents` and `Price` member is a
/// nested `Encodable` the encoder boxes one by one).
///
/// The caller writes members in the order `JSONEncoder` with `.sortedKeys` would (each hand-written
/// body's tests compare its bytes with the encoder's), and writes only what needs no escape: a
/// string with a byte outside printable ASCII, a quote or a backslash clears ``isPlain`` and the
/// caller falls back to `JSONEncoder`, so escaping rules are never restated here (`/` is written
/// as is, as `.withoutEscapingSlashes` does).
public struct PlainJSONWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]
    /// False once a value needed an escape or was refused (``giveUp()``): `bytes` is then unusable.
    public private(set) var isPlain = true
    private var needsComma = false

    /// An empty writer; `capacity` is a hint in bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// `{`, as a member named `key` or as a value (an array element, the top level).
    public mutating func beginObject(_ key: StaticString? = nil) {
        start(key)
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `[`, as a member named `key` or as a value.
    public mutating func beginArray(_ key: StaticString? = nil) {
        start(key)
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A string member; one that would need an escape clears ``isPlain``.
    public mutating func string(_ key: StaticString, _ value: String) {
        start(key)
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else {
                isPlain = false
                return
            }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// An integer member, in decimal as JSONEncoder writes it.
    public mutating func integer(_ key: StaticString, _ value: Int64) {
        start(key)
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// `true` or `false`.
    public mutating func bool(_ key: StaticString, _ value: Bool) {
        start(key)
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
        needsComma = true
    }

    /// `null`.
    public mutating func null(_ key: StaticString) {
        start(key)
        bytes.append(contentsOf: Self.nullBytes)
        needsComma = true
    }

    /// Marks the body as one this writer cannot produce (a value the encoder would refuse or write
    /// differently): the caller falls back to `JSONEncoder`.
    public mutating func giveUp() { isPlain = false }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)

    private mutating func start(_ key: StaticString?) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        guard let key else { return }
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }
}
