import Testing
@testable import ServiceKit

/// Log values carry client input (targets, methods, usernames, request ids): no value may end a
/// line, forge a field or hide text (issue 22 item 12). Every control and invisible format
/// character is escaped inside quotes, and the escaping round-trips.
struct LogfmtEscapingTests {
    static let rows: [(value: String, written: String, why: String)] = [
        ("plain", "plain", "a plain token is left bare"),
        ("", "\"\"", "an empty value is quoted"),
        ("a\r\nlevel=error msg=forged", "\"a\\r\\nlevel=error msg=forged\"", "CR LF (one Character) cannot start a forged line"),
        ("a\rb", "\"a\\rb\"", "a bare CR is escaped"),
        ("a\nb", "\"a\\nb\"", "a bare LF is escaped"),
        ("tab\there", "\"tab\\there\"", "a tab is escaped"),
        ("\u{1b}[31mred", "\"\\u001b[31mred\"", "an ANSI escape cannot colour a terminal"),
        ("nul\u{0}", "\"nul\\u0000\"", "NUL"),
        ("del\u{7f}", "\"del\\u007f\"", "DEL"),
        ("nel\u{85}", "\"nel\\u0085\"", "NEL, a C1 line end"),
        ("ls\u{2028}ps\u{2029}", "\"ls\\u2028ps\\u2029\"", "Unicode line and paragraph separators"),
        ("\u{202e}txt.exe", "\"\\u202etxt.exe\"", "a bidi override cannot reorder what a reader sees"),
        ("say \"hi\"", "\"say \\\"hi\\\"\"", "quotes are escaped"),
        ("back\\slash", "\"back\\\\slash\"", "a backslash is quoted and escaped"),
        ("k=v", "\"k=v\"", "= is quoted"),
        ("caf\u{e9}", "\"caf\u{e9}\"", "printable non-ASCII is kept"),
    ]

    @Test(arguments: rows.indices)
    func valuesAreEscaped(_ index: Int) {
        let row = Self.rows[index]
        var line = ""
        LogfmtLogHandler.appendValue(row.value, to: &line)
        #expect(line == row.written, "\(row.why)")
    }

    @Test func everyScalarOfTheFirstPlanesRoundTripsAndNoneBreaksALine() {
        // All scalars up to U+3000 (controls, C1, separators, bidi marks included), in runs.
        let scalars = (0..<0x3000).compactMap(Unicode.Scalar.init)
        for start in stride(from: 0, to: scalars.count, by: 61) {
            var value = ""
            value.unicodeScalars.append(contentsOf: scalars[start..<min(start + 61, scalars.count)])
            var line = ""
            LogfmtLogHandler.appendValue(value, to: &line)
            for scalar in line.unicodeScalars {
                let hidden = scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
                    || [0x2028, 0x2029, 0x202E, 0x200B].contains(scalar.value)
                #expect(!hidden, "U+\(String(scalar.value, radix: 16)) written raw from run at \(start)")
            }
            #expect(Self.unquote(line) == value, "run at \(start) does not round-trip")
        }
    }

    @Test func keysCannotEndALineOrPassForAValue() {
        var line = ""
        LogfmtLogHandler.appendKey("a b\n=\"c\u{e9}", to: &line)
        #expect(line == "a_b___c__")
    }

    /// A logfmt reader's unquoting: `\"`, `\\`, `\n`, `\r`, `\t`, `\uXXXX`.
    static func unquote(_ written: String) -> String? {
        var scalars = Array(written.unicodeScalars)
        guard scalars.count >= 2, scalars.first == "\"", scalars.last == "\"" else { return written }
        scalars = Array(scalars.dropFirst().dropLast())
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            guard scalar == "\\" else {
                out.append(scalar)
                continue
            }
            guard index < scalars.count else { return nil }
            let escape = scalars[index]
            index += 1
            switch escape {
            case "\"", "\\": out.append(escape)
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "u":
                guard index + 4 <= scalars.count,
                      let value = UInt32(String(String.UnicodeScalarView(scalars[index..<index + 4])), radix: 16),
                      let decoded = Unicode.Scalar(value) else { return nil }
                out.append(decoded)
                index += 4
            default: return nil
            }
        }
        return String(out)
    }
}
