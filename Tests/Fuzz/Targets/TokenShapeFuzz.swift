// libFuzzer target: the checks on a token before its signature (ServiceKit's TokenShape): where
// the token lies in an `Authorization` value, and whether the JOSE header names HS256.
// Input: a mode byte, then bytes.
// Properties:
//  - the bytes as an `Authorization` value give the bounds a plain reading of RFC 6750 gives
//    (scheme `Bearer` in any case, one space, the token without surrounding spaces and tabs, at
//    most TokenShape.tokenBytesMax bytes), and nothing otherwise;
//  - the bytes as a JOSE header (mode bit 0 clear), base64url-encoded without padding and put in
//    front of a payload and signature, pass exactly when they are a JSON object whose `alg` is
//    the string `HS256` and that has no `crit`: base64url decodes every length back exactly;
//  - a header built with `alg` from the bytes (bit 0 set; bit 1 adds `crit`) passes exactly when
//    `alg` is `HS256` and there is no `crit`; the bytes as a whole token never crash the check;
//  - each check holds under 16 x its input plus 16 KiB.
import Foundation
@testable import ServiceKit

func expectedBounds(_ bytes: [UInt8]) -> Range<Int>? {
    guard let space = bytes.firstIndex(of: 0x20),
          String(decoding: bytes[..<space], as: UTF8.self).lowercased() == "bearer", space == 6
    else { return nil }
    let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
    guard let first = bytes[(space + 1)...].firstIndex(where: { !blank($0) }),
          let last = bytes.lastIndex(where: { !blank($0) })
    else { return nil }
    return last + 1 - first <= TokenShape.tokenBytesMax ? first..<(last + 1) : nil
}

func base64URL(_ bytes: [UInt8]) -> String {
    String(Data(bytes).base64EncodedString().compactMap { character -> Character? in
        switch character {
        case "+": "-"
        case "/": "_"
        case "=": nil
        default: character
        }
    })
}

func acceptsHeader(_ header: [UInt8]) -> Bool {
    guard let object = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any] else { return false }
    return object["alg"] as? String == "HS256" && object["crit"] == nil
}

@_cdecl("LLVMFuzzerTestOneInput")
public func tokenShapeFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let mode = input.byte()
    let rest = input.rest

    var watch = AllocationWatch()
    let bounds = rest.withUnsafeBytes { TokenShape.bounds(inAuthorization: $0) }
    watch.sample()
    watch.check(inputCount: size, factor: 16, constant: 16 * 1024, "TokenShape.bounds")
    let expected = expectedBounds(rest)
    fuzzCheck(bounds == expected, "bounds \(bounds as Any) where RFC 6750 reads \(expected as Any) in \(String(decoding: rest, as: UTF8.self).debugDescription)")

    let raw = String(decoding: rest, as: UTF8.self)
    var rawWatch = AllocationWatch()
    _ = TokenShape.headerAlgorithmIsHS256(raw)
    rawWatch.sample()
    rawWatch.check(inputCount: size, factor: 16, constant: 16 * 1024, "TokenShape.headerAlgorithmIsHS256")

    if mode & 1 == 0 {
        let token = base64URL(rest) + ".eyJzdWIiOiIxIn0.c2ln"
        fuzzCheck(TokenShape.headerAlgorithmIsHS256(token) == acceptsHeader(rest),
                  "header \(raw.debugDescription) as \(token.debugDescription): check said \(!acceptsHeader(rest))")
    } else {
        var header: [String: Any] = ["alg": raw, "typ": "JWT"]
        if mode & 2 != 0 { header["crit"] = ["exp"] }
        let json = Array(try! JSONSerialization.data(withJSONObject: header))
        let token = base64URL(json) + ".eyJzdWIiOiIxIn0.c2ln"
        fuzzCheck(TokenShape.headerAlgorithmIsHS256(token) == (raw == "HS256" && mode & 2 == 0),
                  "alg \(raw.debugDescription) crit \(mode & 2 != 0): check said \(TokenShape.headerAlgorithmIsHS256(token))")
    }
    return 0
}
