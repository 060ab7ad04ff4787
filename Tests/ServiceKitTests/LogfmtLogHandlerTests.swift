import Logging
import Synchronization
import Testing
@testable import ServiceKit

/// The logfmt line as a whole (escaping of single values is `LogfmtEscapingTests`): one line per
/// message, `ts`, `level`, `service`, `msg` first and then metadata sorted by key, the event's
/// metadata over the logger's, and nothing below the handler's level.
@Suite struct LogfmtLogHandlerTests {
    /// The lines a handler wrote.
    final class Lines: Sendable {
        private let list = Mutex<[String]>([])
        var all: [String] { list.withLock { $0 } }
        func append(_ line: String) { list.withLock { $0.append(line) } }
    }

    static func logger(_ level: Logger.Level, service: String = "auth") -> (Logger, Lines) {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in
            LogfmtLogHandler(service: service, level: level) { lines.append($0) }
        }
        return (logger, lines)
    }

    /// The line without its `ts=... ` field (checked on its own) and its LF.
    static func body(_ line: String) -> Substring {
        line.drop { $0 != " " }.dropFirst().dropLast()
    }

    @Test func aLineIsTimestampLevelServiceMessageThenSortedMetadata() throws {
        let (base, lines) = Self.logger(.info)
        var logger = base
        logger[metadataKey: "zeta"] = "last"
        logger[metadataKey: "alpha"] = "first"
        logger.info("user logged in", metadata: ["request_id": "r-1", "Beta": "2"])
        let line = try #require(lines.all.first)
        #expect(lines.all.count == 1)
        #expect(line.hasSuffix("\n") && line.filter { $0 == "\n" }.count == 1, "exactly one line")
        let ts = try #require(line.split(separator: " ").first)
        #expect(ts.hasPrefix("ts=") && ts.count == 3 + 24 && ts.hasSuffix("Z"), "\(ts)")
        #expect(Self.body(line) == #"level=info service=auth msg="user logged in" Beta=2 alpha=first request_id=r-1 zeta=last"#,
                "metadata sorted by key, byte order")
    }

    @Test func theEventsMetadataWinsOverTheLoggersAndTheLoggersStays() throws {
        let (base, lines) = Self.logger(.debug)
        var logger = base
        logger[metadataKey: "request_id"] = "from-logger"
        logger[metadataKey: "kept"] = "yes"
        logger.debug("a", metadata: ["request_id": "from-event"])
        logger.debug("b")
        #expect(logger[metadataKey: "request_id"] == "from-logger")
        #expect(lines.all.map { Self.body($0) } == [
            "level=debug service=auth msg=a kept=yes request_id=from-event",
            "level=debug service=auth msg=b kept=yes request_id=from-logger",
        ])
    }

    @Test func anEmptyMessageHasNoMsgAndNestedMetadataIsOneQuotedValue() throws {
        let (logger, lines) = Self.logger(.info)
        logger.info("", metadata: ["list": ["a", "b"], "map": ["k": "v"], "text": .stringConvertible(42)])
        let line = try #require(lines.all.first)
        #expect(Self.body(line) == #"level=info service=auth list="[\"a\", \"b\"]" map="[\"k\": \"v\"]" text=42"#)
    }

    @Test func keysAndValuesFromClientsCannotForgeFields() throws {
        let (logger, lines) = Self.logger(.info)
        logger.info("x\nlevel=error", metadata: ["user name=": "a b", "target": "/a\r\nts=0"])
        let line = try #require(lines.all.first)
        #expect(Self.body(line) == #"level=info service=auth msg="x\nlevel=error" target="/a\r\nts=0" user_name_="a b""#)
    }

    static let levels: [Logger.Level] = Logger.Level.allCases

    /// Each level at or above the handler's is written with its name; each below is not.
    @Test(arguments: levels)
    func messagesBelowTheHandlersLevelAreDropped(_ threshold: Logger.Level) {
        let (logger, lines) = Self.logger(threshold, service: "trade")
        #expect(logger.logLevel == threshold)
        for level in Logger.Level.allCases { logger.log(level: level, "m") }
        let expected = Logger.Level.allCases.filter { $0 >= threshold }.map { "level=\($0) service=trade msg=m" }
        #expect(lines.all.map { String(Self.body($0)) } == expected)
    }

    @Test func theLevelNamesAreSwiftLogs() {
        let (logger, lines) = Self.logger(.trace)
        for level in Logger.Level.allCases { logger.log(level: level, "m") }
        #expect(lines.all.map { $0.split(separator: " ")[1] } == [
            "level=trace", "level=debug", "level=info", "level=notice", "level=warning", "level=error", "level=critical",
        ])
    }
}
