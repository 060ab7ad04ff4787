import Foundation
import Logging

/// swift-log handler writing one logfmt line per message to stdout:
/// `ts=... level=info service=auth msg="..." key=value ...`. One `write` per line, so lines from
/// several threads never interleave.
public struct LogfmtLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let service: String

    /// A handler for `service` at `level`.
    public init(service: String, level: Logger.Level) {
        self.service = service
        self.logLevel = level
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
            line += " \(key)="
            Self.appendValue(value.description, to: &line)
        }
        line += "\n"
        line.utf8CString.withUnsafeBufferPointer { buffer in
            _ = Foundation.write(STDOUT_FILENO, buffer.baseAddress, buffer.count - 1)
        }
    }

    /// Quotes values with spaces, quotes or `=`, as logfmt readers expect.
    static func appendValue(_ value: String, to line: inout String) {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" }
        guard needsQuotes else {
            line += value
            return
        }
        line += "\""
        for character in value {
            switch character {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            default: line.append(character)
            }
        }
        line += "\""
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
