import HTTP
import ServiceKit
import Testing

/// `Authorization: Bearer <token>` as RFC 6750 writes it: the scheme in any case, one or more
/// spaces, the token; anything else is no token at all (the caller answers 401).
struct BearerTokenTests {
    static let rows: [(value: String?, token: String?)] = [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER    abc  ", "abc"),
        ("Bearer", nil),
        ("Bearerabc", nil),
        ("Basic dTpw", nil),
        ("Bearer\tabc", nil),
        ("Bearers abc", nil),
        (nil, nil),
        ("Bearer " + String(repeating: "a", count: 4096), String(repeating: "a", count: 4096)),
        ("Bearer " + String(repeating: "a", count: 4097), nil),
    ]

    @Test(arguments: rows.indices)
    func bearerToken(_ index: Int) {
        let row = Self.rows[index]
        var headers = HTTPHeaders()
        if let value = row.value { headers.add("Authorization", value) }
        let request = HTTPRequest(method: "GET", target: "/auth/me", headers: headers)
        #expect(TokenService.bearerToken(request).map(String.init) == row.token, "\(row.value?.prefix(20) ?? "none")")
    }
}
