import Foundation
import HTTP

/// JSON bodies in and out, with the contract's conventions: `application/json; charset=utf-8`,
/// and an unreadable body or a missing field is a 400 problem, not a 500.
public enum JSONCoding {
    /// The content type of every JSON response.
    public static let contentType = "application/json; charset=utf-8"

    /// Decodes the request body as `T`, or throws a 400 `/problems/invalid-request`.
    public static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest) throws -> T {
        guard !request.body.isEmpty else { throw HTTPError.invalidRequest("The request body must be a JSON object.") }
        // What the member scan cannot read is refused before JSONDecoder sees it: the decoder is
        // laxer than RFC 8259 (it takes a trailing comma, `{"a":1,"a":2,}`), and a body the scan
        // refused would have skipped the duplicate check (found by Tests/Fuzz json-members).
        guard let members = topLevelMembers(in: request.body) else {
            throw HTTPError.invalidRequest("The request body is not valid JSON.")
        }
        if let name = firstRepeatedName(members) {
            throw HTTPError.invalidRequest("The member '\(name)' appears more than once.")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(request.body))
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPError.invalidRequest("Missing field '\(key.stringValue)'.")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HTTPError.invalidRequest(field.isEmpty ? "The request body must be a JSON object." : "Field '\(field)' has the wrong type.")
        } catch {
            throw HTTPError.invalidRequest("The request body is not valid JSON.")
        }
    }

    /// Encodes `value` as a JSON response.
    public static func response<T: Encodable>(_ value: T, status: Int = 200, headers: HTTPHeaders = HTTPHeaders()) throws -> HTTPResponse {
        HTTPResponse(status: status, contentType: contentType, body: try encode(value), headers: headers)
    }

    /// `value` as every response writes it: sorted keys, slashes unescaped.
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }
}

extension JSONCoding {
    /// The raw text of a top-level member's value in a JSON object (`3`, `3.0`, `"3"`, `true`),
    /// for checks JSONDecoder cannot make: it decodes `3.0` and `1e2` into an `Int`, while the
    /// contract wants a JSON integer. `nil` if the member is absent or the body is not an object.
    public static func rawMember(_ name: String, in body: [UInt8]) -> Substring? {
        guard let value = topLevelMembers(in: body)?.first(where: { $0.key == name })?.value else { return nil }
        return Substring(String(decoding: body[value], as: UTF8.self))
    }

    /// The name of a member that appears twice at the top level of a JSON object, if any. Such a
    /// body is ambiguous (RFC 8259 §4: names SHOULD be unique, and parsers differ on which one
    /// wins), so ``decode(_:from:)`` rejects it rather than pick one for a money-moving request.
    public static func duplicateMember(in body: [UInt8]) -> String? {
        topLevelMembers(in: body).flatMap(firstRepeatedName)
    }

    private static func firstRepeatedName(_ members: [(key: String, value: Range<Int>)]) -> String? {
        var seen: Set<String> = []
        for member in members where !seen.insert(member.key).inserted { return member.key }
        return nil
    }

    /// The members of a top-level JSON object as (name, where its raw value text is), in order;
    /// names have their escapes decoded. `nil` when the body is not a well-formed object at this
    /// level. Values stay ranges: the duplicate check reads only names.
    static func topLevelMembers(in body: [UInt8]) -> [(key: String, value: Range<Int>)]? {
        let chars = body
        var index = 0
        func skipSpace() { while index < chars.count, [0x20, 0x09, 0x0A, 0x0D].contains(chars[index]) { index += 1 } }
        func skipString() -> Bool {  // at the opening quote
            index += 1
            while index < chars.count {
                if chars[index] == UInt8(ascii: "\\") { index += 2; continue }
                if chars[index] == UInt8(ascii: "\"") { index += 1; return true }
                index += 1
            }
            return false
        }
        func skipValue() -> Bool {
            skipSpace()
            guard index < chars.count else { return false }
            if chars[index] == UInt8(ascii: "\"") { return skipString() }
            var depth = 0
            while index < chars.count {
                let byte = chars[index]
                if byte == UInt8(ascii: "\"") { guard skipString() else { return false }; continue }
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
                if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    if depth == 0 { return true }
                    depth -= 1
                }
                if byte == UInt8(ascii: ","), depth == 0 { return true }
                index += 1
            }
            return depth == 0
        }
        var members: [(key: String, value: Range<Int>)] = []
        skipSpace()
        guard index < chars.count, chars[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        skipSpace()
        if index < chars.count, chars[index] == UInt8(ascii: "}") { return members }
        while true {
            skipSpace()
            guard index < chars.count, chars[index] == UInt8(ascii: "\"") else { return nil }
            let keyStart = index
            guard skipString() else { return nil }
            let rawKey = chars[keyStart..<index]
            // Escapes (`"\u0061"` is `"a"`) are decoded as JSONDecoder will; plain names as they are.
            let key: String
            if rawKey.contains(UInt8(ascii: "\\")) {
                guard let decoded = try? JSONDecoder().decode(String.self, from: Data(rawKey)) else { return nil }
                key = decoded
            } else {
                key = String(decoding: rawKey.dropFirst().dropLast(), as: UTF8.self)
            }
            skipSpace()
            guard index < chars.count, chars[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace()
            let valueStart = index
            guard skipValue() else { return nil }
            var end = index
            while end > valueStart, [0x20, 0x09, 0x0A, 0x0D].contains(chars[end - 1]) { end -= 1 }
            members.append((key, valueStart..<end))
            skipSpace()
            guard index < chars.count else { return nil }
            if chars[index] == UInt8(ascii: "}") { return members }
            guard chars[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }
}
