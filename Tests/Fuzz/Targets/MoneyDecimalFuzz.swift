// libFuzzer target: Money's decimal text (DecimalText, behind Cents and Price).
// Input: a mode byte (scale 1-6: Cents uses 2, Price 4; sign allowed), then text.
// Properties:
//  - text that parses, formatted and parsed again, gives the same minor units;
//  - a canonical text (what format prints) parses back to itself exactly;
//  - any Int64 (the first 8 bytes) formats and parses back exactly, at every minimum fraction;
//  - the grammar: only `-?[0-9]+(\.[0-9]{1,scale})?` ever parses.
@testable import Money


@_cdecl("LLVMFuzzerTestOneInput")
public func moneyDecimalFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let mode = input.byte()
    let scale = Int(mode & 7) % 6 + 1
    let allowsSign = mode & 8 != 0
    let rest = input.rest
    let text = String(decoding: rest, as: UTF8.self)
    var watch = AllocationWatch()

    if let value = DecimalText.parse(text, scale: scale, allowsSign: allowsSign) {
        fuzzCheck(allowsSign || value >= 0, "\(text.debugDescription) parsed negative without a sign allowed")
        let grammar = text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }
        fuzzCheck(grammar && text.utf8.first != 0x2E && text.utf8.last != 0x2E, "\(text.debugDescription) parsed as \(value)")
        let formatted = DecimalText.format(value, scale: scale, minimumFractionDigits: 0)
        fuzzCheck(DecimalText.parse(formatted, scale: scale, allowsSign: true) == value,
                  "\(text.debugDescription) -> \(value) -> \(formatted.debugDescription) did not round-trip")
        fuzzCheck(DecimalText.format(DecimalText.parse(formatted, scale: scale, allowsSign: true)!, scale: scale,
                                     minimumFractionDigits: 0) == formatted, "\(formatted.debugDescription) is not canonical")
    }

    if rest.count >= 8 {
        let raw = rest.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
        for minimum in 0...scale {
            let formatted = DecimalText.format(raw, scale: scale, minimumFractionDigits: minimum)
            fuzzCheck(DecimalText.parse(formatted, scale: scale, allowsSign: true) == raw,
                      "\(raw) at scale \(scale) formatted as \(formatted.debugDescription) did not parse back")
        }
    }
    watch.sample()
    watch.check(inputCount: size, factor: 8, constant: 1024, "DecimalText")
    return 0
}
