import Foundation
import ServiceKit
import Testing

/// The hand-built RFC 3339 timestamps of API responses and log lines.
struct TimestampTests {
    static let rows: [(seconds: TimeInterval, text: String)] = [
        (0, "1970-01-01T00:00:00Z"),
        (1_764_007_429.999, "2025-11-24T18:03:49Z"),  // fractions are cut, not rounded
        (951_782_400, "2000-02-29T00:00:00Z"),
        (4_102_444_799, "2099-12-31T23:59:59Z"),
    ]

    @Test(arguments: rows.indices)
    func wholeSeconds(_ index: Int) {
        let row = Self.rows[index]
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: row.seconds)) == row.text)
    }

    @Test func logTimestampsHaveMillisecondsAndAreNow() throws {
        let before = Date().timeIntervalSince1970
        let text = Timestamp.rfc3339Millis()
        let after = Date().timeIntervalSince1970
        #expect(text.count == 24 && text.hasSuffix("Z") && text.dropFirst(19).first == ".", "\(text)")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let parsed = try #require(formatter.date(from: text), "\(text)").timeIntervalSince1970
        #expect(parsed >= before - 0.001 && parsed <= after + 0.001, "\(text)")
    }
}
