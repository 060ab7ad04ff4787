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
        do {
            return try JSONDecoder().decode(T.self, from: Data(request.body))
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPError.invalidRequest("Missing field '\(key.stringValue)'.")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HTTPError.invalidRequest(field.isEmpty ? "The request body must be a JSON object." : "Field '\(field)' has the wrong type.")
        } catch {
            throw HTTPError.invalidRequest("The request body is not valid JSON.")
        }
    }

    /// Encodes `value` as a JSON response.
    public static func response<T: Encodable>(_ value: T, status: Int = 200, headers: HTTPHeaders = HTTPHeaders()) throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return HTTPResponse(status: status, contentType: contentType, body: Array(data), headers: headers)
    }
}
