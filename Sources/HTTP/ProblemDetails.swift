/// An RFC 9457 problem document. Lives in the HTTP layer because the server itself must answer
/// framing errors (400, 413, 414, 431, 505) in the same format the services use.
public struct ProblemDetails: Sendable, Equatable {
    /// A stable URI per error kind, e.g. `/problems/insufficient-funds`.
    public var type: String
    /// A short summary that is the same for every occurrence of this kind.
    public var title: String
    /// The HTTP status, repeated in the body.
    public var status: Int
    /// What went wrong this time, for a human.
    public var detail: String

    /// Creates a problem.
    public init(type: String, title: String, status: Int, detail: String) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
    }

    /// The JSON body, written by hand: four fixed keys, and this runs for every error.
    public var jsonBytes: [UInt8] {
        var out = "{\"type\":"
        JSONString.append(type, to: &out)
        out += ",\"title\":"
        JSONString.append(title, to: &out)
        out += ",\"status\":\(status),\"detail\":"
        JSONString.append(detail, to: &out)
        out += "}"
        return Array(out.utf8)
    }
}

/// JSON string escaping (RFC 8259 §7) for the few bodies the HTTP layer writes itself.
public enum JSONString {
    /// Appends `value` as a quoted, escaped JSON string.
    public static func append(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
