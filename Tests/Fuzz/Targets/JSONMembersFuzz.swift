// libFuzzer target: the top-level JSON member scanner behind the duplicate-member 400 and the
// trade quantity check (JSONCoding.topLevelMembers / rawMember / duplicateMember).
// Input: a JSON-ish body.
// Properties:
//  - JSONCoding.decode accepts nothing the scanner refuses or finds a name twice in (JSONDecoder is
//    laxer than RFC 8259: a trailing comma), and the names it decodes are the scanner's;
//  - when JSONSerialization reads the body as an object with unique names, each member's raw value
//    text, parsed alone, equals the value it gave that name (what the quantity check reads is what
//    the decoder decodes);
//  - the heap held stays under 64 x the input plus 16 KiB.
import Foundation
import HTTP
@testable import Routing

@_cdecl("LLVMFuzzerTestOneInput")
public func jsonMembersFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    var watch = AllocationWatch()
    let members = JSONCoding.topLevelMembers(in: body)
    watch.sample()
    _ = JSONCoding.duplicateMember(in: body)
    watch.check(inputCount: size, factor: 64, constant: 16 * 1024, "topLevelMembers")
    if let decoded = try? JSONCoding.decode(AnyMembers.self, from: HTTPRequest(method: "POST", target: "/", body: body)) {
        fuzzCheck(members != nil && JSONCoding.duplicateMember(in: body) == nil
                  && Set(members!.map(\.key)) == decoded.names,
                  "decoded \(decoded.names) where the scanner saw \(members.map { $0.map(\.key) } as Any) in \(String(decoding: body, as: UTF8.self).debugDescription)")
    }
    guard let members, let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return 0 }
    guard JSONCoding.duplicateMember(in: body) == nil else { return 0 }
    for member in members {
        let raw = Data(body[member.value])
        let alone = try? JSONSerialization.jsonObject(with: raw, options: .fragmentsAllowed)
        // Compared as canonical JSON text (sorted keys): no NSObject equality on Linux.
        func canonical(_ value: Any) -> Data? { try? JSONSerialization.data(withJSONObject: [value], options: .sortedKeys) }
        fuzzCheck(alone.flatMap(canonical) == canonical(object[member.key]!) && alone != nil,
                  "member \(member.key.debugDescription): raw \(String(decoding: raw, as: UTF8.self).debugDescription) vs \(object[member.key]!)")
    }
    return 0
}

/// Any JSON object, keeping only its member names.
struct AnyMembers: Decodable {
    struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    var names: Set<String>
    init(from decoder: any Decoder) throws {
        names = Set(try decoder.container(keyedBy: Name.self).allKeys.map(\.stringValue))
    }
}
