import Testing
import Money

/// Parsing is where untrusted text (env config, quotes from a market-data feed) enters;
/// each row documents which trap it guards against.
@Suite("Parsing")
struct ParsingTests {
    static let centsAccepted: [(input: String, expected: Int64, why: String)] = [
        ("0", 0, "single zero digit"),
        ("5", 500, "whole amount without decimals"),
        ("10000", 1_000_000, "typical INITIAL_CASH"),
        ("10000.5", 1_000_050, "one decimal is tenths, not cents"),
        ("10000.50", 1_000_050, "two decimals"),
        ("0.05", 5, "leading zero before the point"),
        ("007", 700, "leading zeros are digits and harmless"),
        ("00000000000000000000000001.00", 100, "many leading zeros do not overflow"),
        ("92233720368547758.07", Int64.max, "largest representable amount"),
    ]

    static let centsRejected: [(input: String, why: String)] = [
        ("", "empty"),
        ("-5", "config amounts carry no sign"),
        ("+5", "Int(\"+5\") accepts a plus sign; we must not"),
        (" 5", "leading whitespace"),
        ("5 ", "trailing whitespace"),
        ("5\n", "trailing newline from a shell-exported variable"),
        ("5.", "dangling point"),
        (".5", "missing integer part"),
        (".", "point only"),
        ("-", "sign only"),
        ("1e3", "exponent notation"),
        ("5.123", "three decimals would need silent rounding"),
        ("5.0.0", "two points"),
        ("5,00", "comma decimal separator"),
        ("1_000", "underscore separator"),
        ("0x10", "hex prefix"),
        ("nan", "not a number"),
        ("inf", "infinity"),
        ("\u{0661}\u{0662}\u{0663}", "Arabic-Indic digits are numeric but not ASCII"),
        ("\u{FF15}", "full-width digit five"),
        ("5\u{0301}", "digit followed by a combining accent"),
        ("92233720368547758.08", "one cent above Int64.max"),
        ("99999999999999999999", "integer part alone overflows"),
    ]

    @Test("Cents accepts", arguments: centsAccepted)
    func centsAccepts(row: (input: String, expected: Int64, why: String)) {
        #expect(Cents(parsing: row.input)?.minorUnits == row.expected, "\(row.why)")
    }

    @Test("Cents rejects", arguments: centsRejected)
    func centsRejects(row: (input: String, why: String)) {
        #expect(Cents(parsing: row.input) == nil, "\(row.why)")
    }

    @Test("Cents parses a Substring")
    func centsParsesSubstring() {
        let line = "INITIAL_CASH=2500.75"
        let value = line.split(separator: "=")[1]
        #expect(Cents(parsing: value) == Cents(minorUnits: 250_075))
    }

    static let canonicalAccepted: [(input: String, expected: Int64, why: String)] = [
        ("-12.34", -1234, "negative P/L as produced by description"),
        ("-0.05", -5, "small loss"),
        ("-0.00", 0, "negative zero means zero"),
        ("12.34", 1234, "positive amounts need no sign"),
        ("-92233720368547758.08", Int64.min, "Int64.min has no positive twin but must parse"),
    ]

    static let canonicalRejected: [(input: String, why: String)] = [
        ("--5", "double sign"),
        ("+5", "plus sign"),
        ("- 5", "space after sign"),
        ("-.5", "missing integer part after sign"),
        ("-5.", "dangling point after sign"),
        ("-92233720368547758.09", "one cent below Int64.min"),
        ("5-", "trailing sign"),
    ]

    @Test("Cents canonical accepts a leading minus", arguments: canonicalAccepted)
    func canonicalAccepts(row: (input: String, expected: Int64, why: String)) {
        #expect(Cents(canonical: row.input)?.minorUnits == row.expected, "\(row.why)")
    }

    @Test("Cents canonical stays strict otherwise", arguments: canonicalRejected)
    func canonicalRejects(row: (input: String, why: String)) {
        #expect(Cents(canonical: row.input) == nil, "\(row.why)")
    }

    static let priceAccepted: [(input: String, expected: Int64, why: String)] = [
        ("232.1600", 2_321_600, "quote with four decimals"),
        ("232.16", 2_321_600, "quote with two decimals"),
        ("232.1", 2_321_000, "one decimal"),
        ("0.125", 1_250, "three decimals"),
        ("12", 120_000, "no decimals"),
        ("0.0001", 1, "smallest tick"),
        ("0", 0, "zero"),
        ("922337203685477.5807", Int64.max, "largest representable price"),
    ]

    static let priceRejected: [(input: String, why: String)] = [
        ("", "empty"),
        ("-1", "prices carry no sign"),
        ("+1", "plus sign"),
        ("0.00001", "five decimals would need silent rounding"),
        ("232.16000", "trailing zero still counts as a fifth decimal"),
        ("1e3", "exponent notation"),
        ("5.", "dangling point"),
        (".5", "missing integer part"),
        (" 5", "leading whitespace"),
        ("\u{0661}", "Arabic-Indic digit one"),
        ("922337203685477.5808", "one unit above Int64.max"),
    ]

    @Test("Price accepts", arguments: priceAccepted)
    func priceAccepts(row: (input: String, expected: Int64, why: String)) {
        #expect(Price(parsing: row.input)?.minorUnits == row.expected, "\(row.why)")
    }

    @Test("Price rejects", arguments: priceRejected)
    func priceRejects(row: (input: String, why: String)) {
        #expect(Price(parsing: row.input) == nil, "\(row.why)")
    }
}
