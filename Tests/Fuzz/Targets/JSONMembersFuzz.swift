// libFuzzer target: the top-level JSON member scanner behind the duplicate-member 400 and the
// trade quantity check (JSONCoding.topLevelMembers / rawMember / duplicateMember).
// Input: a JSON-ish body.
// Properties, against Foundation's JSONSerialization:
//  - when JSONSerialization reads a top-level object, the scanner finds it too, with the same
//    set of names (escapes decoded);
//  - when the names are unique, each member's raw value text, parsed alone, equals the value
//    JSONSerialization gave that name (what the quantity check reads is what the decoder decodes);
//  - the heap held stays under 64 x the input plus 16 KiB.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func jsonMembersFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    var watch = AllocationWatch()
    let members = JSONCoding.topLevelMembers(in: body)
    watch.sample()
    _ = JSONCoding.duplicateMember(in: body)
    watch.check(inputCount: size, factor: 64, constant: 16 * 1024, "topLevelMembers")
    guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return 0 }
    guard let members else {
        fuzzCheck(false, "JSONSerialization read an object the scanner refused: \(String(decoding: body, as: UTF8.self).debugDescription)")
        return 0
    }
    fuzzCheck(Set(members.map(\.key)) == Set(object.keys),
              "names \(members.map(\.key)) vs \(Array(object.keys)) in \(String(decoding: body, as: UTF8.self).debugDescription)")
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
