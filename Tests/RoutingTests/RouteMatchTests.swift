@testable import Routing
import HTTP
import Testing

/// A pattern without parameters is matched by comparing bytes (the gateway's prefixes, `/health`,
/// `/metrics`); the answer must be the segment matcher's, path by path.
@Suite struct RouteMatchTests {
    static let patterns = ["/", "/health", "/metrics", "/stocks", "/stocks/**", "/auth/**", "/trade/**",
                           "/a/b", "/a/b/**", "/stocks/{symbol}", "/assets/{version}/{file}", "/**"]
    static let paths = ["", "/", "//", "health", "/health", "/health/", "/healthz", "/health/x", "/metrics", "/metric",
                        "/stocks", "/stocks/", "/stocks/AAPL", "/stocks/AAPL/history", "/stocks//history", "/stocksx",
                        "/stock", "/Stocks", "/auth", "/auth/", "/auth/me", "/authx/me", "/trade/buy", "/a", "/a/b",
                        "/a/b/", "/a/bc", "/a/b/c", "/a//b", "/assets/1/app.js", "stocks/AAPL", "*", "/x/../stocks"]

    static func entry(_ pattern: String) -> RouteEntry {
        RouteEntry(method: "GET", pattern: pattern, access: .open,
                   endpoint: .responder { _, reply in reply.send(HTTPResponse(status: 204)) }, index: 0)
    }

    @Test("a pattern without parameters matches exactly the paths the segment matcher does", arguments: patterns)
    func bytesAgreeWithSegments(pattern: String) {
        let route = Self.entry(pattern)
        for path in Self.paths {
            var bytes = Array(path.utf8)
            bytes.withUnsafeMutableBufferPointer { buffer in
                let path = UnsafeBufferPointer(buffer)
                var fast = ["stale": "value"], reference = ["stale": "value"]
                let matched = route.match(path, parameters: &fast)
                #expect(matched == route.matchSegments(path, parameters: &reference), "\(pattern) against \(String(decoding: path, as: UTF8.self))")
                #expect(fast == reference, "\(pattern) against \(String(decoding: path, as: UTF8.self)): parameters")
            }
        }
    }

    /// Kelvin sign (U+212A) is canonically equivalent to `K`: `String` equality, which the route's
    /// `Access` uses, says equal where the bytes differ.
    static let accesses: [Access] = [.open, .token, .tokenOn(["/auth/me"]), .tokenOn(["/auth/me", "/auth/x", ""]),
                                     .tokenOn(["/auth/K"]), .tokenOn(["/auth/\u{212A}"])]
    static let tokenPaths = paths + ["/auth/me?x", "/auth/x", "/auth/K", "/auth/\u{212A}", "/auth/m\u{E9}", "/auth/me\u{301}"]

    @Test("the router's token decision on bytes is the Access's on the path", arguments: accesses)
    func tokenDecisionOnBytes(access: Access) {
        let route = RouteEntry(method: "*", pattern: "/auth/**", access: access,
                               endpoint: .responder { _, reply in reply.send(HTTPResponse(status: 204)) }, index: 0)
        for path in Self.tokenPaths {
            var bytes = Array(path.utf8)
            let decided = bytes.withUnsafeMutableBufferPointer { route.requiresToken(UnsafeBufferPointer($0)) }
            #expect(decided == access.requiresToken(path[...]), "\(access) on \(path.debugDescription)")
        }
        #expect(route.requiresToken(UnsafeBufferPointer(start: nil, count: 0)) == access.requiresToken(""))
    }

    @Test("only patterns without parameters take the comparison of bytes")
    func shapes() {
        #expect(Self.entry("/").shape == .exact)
        #expect(Self.entry("/health").shape == .exact)
        #expect(Self.entry("/stocks/**").shape == .prefix)
        #expect(Self.entry("/stocks/**").literalPrefix == Array("/stocks".utf8))
        #expect(Self.entry("/stocks/{symbol}").shape == .segments)
        #expect(Self.entry("/**").shape == .segments)
    }
}
