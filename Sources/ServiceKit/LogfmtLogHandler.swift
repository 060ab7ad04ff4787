import Foundation
import Logging

/// swift-log handler writing one logfmt line per message to stdout:
/// `ts=... level=info service=auth msg="..." key=value ...`. One `write` per line, so lines from
/// several threads never interleave.
public struct LogfmtLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let service: String
    /// Where each finished line goes: standard output, or a test's buffer.
    private let output: @Sendable (String) -> Void

    /// A handler for `service` at `level`, writing to standard output.
    public init(service: String, level: Logger.Level) {
        self.init(service: service, level: level, output: Self.writeToStandardOutput)
    }

    /// A handler that hands each line (with its trailing LF) to `output` (tests).
    init(service: String, level: Logger.Level, output: @escaping @Sendable (String) -> Void) {
        self.service = service
        self.logLevel = level
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "ts=\(Timestamp.rfc3339Millis()) level=\(event.level) service=\(service)"
        let merged = event.metadata.map { metadata.merging($0) { _, new in new } } ?? metadata
        if !event.message.description.isEmpty {
            line += " msg="
            Self.appendValue(event.message.description, to: &line)
        }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " "
            Self.appendKey(key, to: &line)
            line += "="
            Self.appendValue(value.description, to: &line)
        }
        line += "\n"
        output(line)
    }

    /// One `write` per line, so lines from several threads never interleave.
    private static func writeToStandardOutput(_ line: String) {
        line.utf8CString.withUnsafeBufferPointer { buffer in
            _ = Foundation.write(STDOUT_FILENO, buffer.baseAddress, buffer.count - 1)
        }
    }

    /// Quotes values with spaces, quotes, `=` or anything not plain ASCII, as logfmt readers
    /// expect, and escapes inside the quotes every character that could end, forge or hide a line:
    /// `"` and `\` as `\"` and `\\`, LF, CR and TAB as `\n`, `\r`, `\t`, and every other control
    /// or invisible format character (C0, DEL, C1 with NEL, U+2028/U+2029, bidi overrides) as
    /// `\u00XX` (Go's and JSON's form, which logfmt readers decode). Values carry client input (a
    /// target, a method, a username): unescaped, a CR or LF in one would start a forged log line.
    /// Scalar by scalar: as a `Character`, CR LF is one grapheme and matched neither `\r` nor `\n`.
    static func appendValue(_ value: String, to line: inout String) {
        var plain = !value.isEmpty
        for byte in value.utf8 where byte <= 0x20 || byte == 0x22 || byte == 0x3D || byte == 0x5C || byte >= 0x7F {
            plain = false
            break
        }
        guard !plain else {
            line += value
            return
        }
        line += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            default:
                if isHidden(scalar) {
                    let hex = String(scalar.value, radix: 16)
                    line += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                } else {
                    line.unicodeScalars.append(scalar)
                }
            }
        }
        line += "\""
    }

    /// A key as an unquoted logfmt identifier: any byte that is not printable ASCII, or is a space,
    /// `=` or `"`, becomes `_`, so no key can end the line or pass for a value.
    static func appendKey(_ key: String, to line: inout String) {
        for byte in key.utf8 {
            let safe = byte > 0x20 && byte < 0x7F && byte != 0x3D && byte != 0x22
            line.unicodeScalars.append(Unicode.Scalar(safe ? byte : UInt8(ascii: "_")))
        }
    }

    /// Controls (Cc: C0, DEL, C1), format characters (Cf: bidi overrides, zero-width ones) and
    /// the line and paragraph separators: what would break a line or hide text from a reader.
    private static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x20 || scalar.value == 0x7F { return true }
        guard scalar.value >= 0x80 else { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}

/// RFC 3339 UTC timestamps, built digit by digit: `String(format:)` costs microseconds, and every
/// quote, order and log line formats one.
public enum Timestamp {
    /// `2026-11-24T18:03:49Z`: whole seconds, as the API returns them.
    public static func rfc3339(_ date: Date = Date()) -> String {
        format(seconds: time_t(date.timeIntervalSince1970.rounded(.down)), milliseconds: nil)
    }

    /// With milliseconds, for logs.
    public static func rfc3339Millis() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return format(seconds: now.tv_sec, milliseconds: Int32(now.tv_nsec / 1_000_000))
    }

    private static func format(seconds: time_t, milliseconds: Int32?) -> String {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int32, _ count: Int) {
            var divisor: Int32 = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(truncatingIfNeeded: rest / divisor) + 0x30)
                rest %= divisor
                divisor /= 10
            }
        }
        digits(parts.tm_year + 1900, 4)
        bytes.append(0x2D)
        digits(parts.tm_mon + 1, 2)
        bytes.append(0x2D)
        digits(parts.tm_mday, 2)
        bytes.append(0x54)
        digits(parts.tm_hour, 2)
        bytes.append(0x3A)
        digits(parts.tm_min, 2)
        bytes.append(0x3A)
        digits(parts.tm_sec, 2)
        if let milliseconds {
            bytes.append(0x2E)
            digits(milliseconds, 3)
        }
        bytes.append(0x5A)
        return String(decoding: bytes, as: UTF8.self)
    }
}
