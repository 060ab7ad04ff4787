#if canImport(Glibc)
import Glibc
#endif
import HTTP

/// The async handler: a route's endpoint that awaits (storage, a password hash, an upstream),
/// run in a task that prefers the loop which read the request. Thrown errors become problems.
public typealias Handler = @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse

/// The synchronous responder: a route's endpoint that answers from the loop thread that read the
/// request, at once or from callbacks on that loop (the gateway's relay over ``HTTPClient``), with
/// no task. It must call `reply.send` exactly once, from any thread. The request's context is
/// `reply.context`: passed as an argument of its own it was copied per call.
public typealias Responder = @Sendable (HTTPRequest, Reply) -> Void

/// What answers a route: one of the two endpoint shapes.
public enum Endpoint: Sendable {
    /// Answered on the loop, through ``Reply`` (no task per request).
    case responder(Responder)
    /// Answered by an `async` function in a task.
    case handler(Handler)
}

/// Who may call a route. ``AuthenticationMiddleware`` reads it from the context and fills
/// ``RequestContext/user``; without a verified token the request is 401 before the endpoint runs.
public enum Access: Sendable, Equatable {
    /// No token needed.
    case open
    /// A verified Bearer token.
    case token
    /// A verified Bearer token on these exact paths only: a proxy route (`/auth/**`) whose
    /// upstream guards some of its paths (`/auth/me`), keeping one route and one metrics label.
    case tokenOn(Set<String>)

    /// Whether a request for `path` needs a token.
    public func requiresToken(_ path: Substring) -> Bool {
        switch self {
        case .open: false
        case .token: true
        case .tokenOn(let paths): paths.contains { path == $0 }  // no String made per request
        }
    }
}

/// One row of a service's route table: method, pattern, access, and the endpoint, taken from the
/// service's `Endpoints` value (its handlers) when the router is built. The table is a static
/// value, so the router, the docs and the tests (`RouteTableTests`, against `openapi.yaml`) read
/// the same rows.
///
/// `pattern` is a path of literal segments and `{name}` parameters, optionally ending in `**`
/// (any rest of the path); `method` `*` matches every method, and `GET` also answers `HEAD`.
public struct Route<Endpoints>: Sendable {
    /// The method token, or `*` for every method.
    public let method: String
    /// The path pattern (`/stocks/{symbol}`, `/trade/**`); also the metrics and log label.
    public let pattern: String
    /// Whether a verified token is needed.
    public let access: Access
    /// The endpoint, from the service's handlers.
    public let endpoint: @Sendable (Endpoints) -> Endpoint

    /// A route whose endpoint is chosen when the router is built (a replaceable `/health`).
    public init(_ method: String, _ pattern: String, _ access: Access = .open,
                endpoint: @escaping @Sendable (Endpoints) -> Endpoint) {
        self.method = method
        self.pattern = pattern
        self.access = access
        self.endpoint = endpoint
    }

    /// A route answered by an async handler.
    public init(_ method: String, _ pattern: String, _ access: Access = .open,
                handler: @escaping @Sendable (Endpoints) -> Handler) {
        self.init(method, pattern, access, endpoint: { .handler(handler($0)) })
    }

    /// A route answered by a synchronous responder.
    public init(_ method: String, _ pattern: String, _ access: Access = .open,
                responder: @escaping @Sendable (Endpoints) -> Responder) {
        self.init(method, pattern, access, endpoint: { .responder(responder($0)) })
    }

    /// The row as the docs print it: `POST /trade/buy token`.
    public var summary: String {
        let access = switch access {
        case .open: "open"
        case .token: "token"
        case .tokenOn(let paths): "token on " + paths.sorted().joined(separator: ", ")
        }
        return "\(method) \(pattern) \(access)"
    }
}

/// A route bound to its endpoint, as the frozen router holds it. A class: the context refers to
/// the matched one with a single reference.
final class RouteEntry: Sendable {
    enum Segment: Sendable, Equatable {
        case literal([UInt8])
        case parameter(String)
        /// `**`, last only: zero or more remaining segments (a reverse proxy's prefix routes).
        case rest
    }

    let method: String
    let pattern: String
    let access: Access
    let endpoint: Endpoint
    /// Its place in the router's table (``RequestContext/routeIndex``).
    let index: Int
    let segments: [Segment]
    /// `method` is `*` (decided once, not by comparing strings per request).
    let acceptsEveryMethod: Bool
    /// How ``match(_:parameters:)`` decides: by comparing bytes when the pattern has no parameter.
    let shape: Shape
    /// ``access`` as the router reads it per request: no `Set` copied or searched.
    let tokenRule: TokenRule
    /// The paths of ``Access/tokenOn(_:)`` as bytes (empty otherwise).
    let tokenPaths: [[UInt8]]

    enum TokenRule: Sendable {
        case never
        case always
        /// On ``tokenPaths`` only, all of them ASCII.
        case onPaths
        /// On paths of which one is not ASCII: compared as `String`s (canonical equivalence).
        case onPathsAsStrings
    }
    /// `/` and the leading literal segments joined by `/` (`/stocks` for `/stocks/**`).
    let literalPrefix: [UInt8]

    enum Shape: Sendable {
        /// Literal segments only: the path equals ``literalPrefix``.
        case exact
        /// Literal segments then `**`: the path is ``literalPrefix`` or continues it with `/`.
        case prefix
        /// Parameters (or a bare `/**`): segment by segment.
        case segments
    }

    init(method: String, pattern: String, access: Access, endpoint: Endpoint, index: Int) {
        self.method = method
        self.pattern = pattern
        self.access = access
        self.endpoint = endpoint
        self.index = index
        acceptsEveryMethod = method == "*"
        switch access {
        case .open: (tokenRule, tokenPaths) = (.never, [])
        case .token: (tokenRule, tokenPaths) = (.always, [])
        case .tokenOn(let paths):
            tokenPaths = paths.map { Array($0.utf8) }
            tokenRule = tokenPaths.joined().allSatisfy { $0 < 0x80 } ? .onPaths : .onPathsAsStrings
        }
        // `/` is one empty segment, as the path `/` splits (below).
        segments = pattern == "/" ? [.literal([])] : pattern.split(separator: "/").map { part in
            if part == "**" { return .rest }
            if part.hasPrefix("{") && part.hasSuffix("}") { return .parameter(String(part.dropFirst().dropLast())) }
            return .literal(Array(part.utf8))
        }
        precondition(!segments.dropLast().contains(.rest), "** must be last in \(pattern)")
        let literals = segments.prefix { if case .literal = $0 { true } else { false } }
        literalPrefix = pattern == "/" ? [UInt8(ascii: "/")] : literals.flatMap { segment -> [UInt8] in
            guard case .literal(let text) = segment else { return [] }
            return [UInt8(ascii: "/")] + text
        }
        shape = if literals.count == segments.count { .exact }
                else if !literals.isEmpty && literals.count == segments.count - 1 && segments.last == .rest { .prefix }
                else { .segments }
    }

    /// ``Access/requiresToken(_:)`` for a request's path as bytes (the target before `?`), decided
    /// while the route is matched. ASCII against ASCII compares as bytes; anything else as `String`s,
    /// whose equality is canonical equivalence (a target off the wire is always ASCII).
    func requiresToken(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        switch tokenRule {
        case .never: return false
        case .always: return true
        case .onPaths:
            for own in tokenPaths where own.count == path.count && (path.isEmpty
                || own.withUnsafeBufferPointer { memcmp($0.baseAddress!, path.baseAddress!, path.count) == 0 }) {
                return true
            }
            guard path.contains(where: { $0 >= 0x80 }) else { return false }
            return access.requiresToken(Substring(String(decoding: path, as: UTF8.self)))
        case .onPathsAsStrings:
            return access.requiresToken(Substring(String(decoding: path, as: UTF8.self)))
        }
    }

    /// Whether the route answers `method` (`*` every one, `GET` also `HEAD`).
    func accepts(_ method: String) -> Bool {
        acceptsEveryMethod || self.method == method || (method == "HEAD" && self.method == "GET")
    }

    /// Whether `path`'s segments fit this route's, binding its parameters (percent-decoded) when
    /// they do. Segments are the path split at every `/` after the leading one, empty ones kept:
    /// collapsing them would answer `/stocks//history` as the quote of a stock named HISTORY and
    /// `/stocks/` as the listing. Over the bytes, with no array of parts: the gateway matches every
    /// request here.
    ///
    /// A pattern without parameters (every route the gateway relays, `/health`, `/metrics`) is
    /// decided by one comparison of bytes against ``literalPrefix``, with the same result.
    @inline(__always)
    func match(_ path: UnsafeBufferPointer<UInt8>, parameters: inout [String: String]) -> Bool {
        if shape != .segments && path.first == UInt8(ascii: "/") {
            // Cheapest tests first: the length, then the byte after `/`, then all of them.
            let count = literalPrefix.count
            guard shape == .exact ? path.count == count : path.count >= count else { return false }
            guard literalPrefix.withUnsafeBufferPointer({ own in
                count == 1 || (own[1] == path[1] && memcmp(own.baseAddress!, path.baseAddress!, count) == 0)
            }) else { return false }
            guard path.count == count || path[count] == UInt8(ascii: "/") else { return false }
            if !parameters.isEmpty { parameters = [:] }
            return true
        }
        return matchSegments(path, parameters: &parameters)
    }

    /// ``match(_:parameters:)`` segment by segment (every pattern's answer, the comparison of
    /// bytes above only being a faster way to it; `RouteMatchTests` holds them equal).
    @inline(never)
    func matchSegments(_ path: UnsafeBufferPointer<UInt8>, parameters: inout [String: String]) -> Bool {
        var bound = [String: String]()
        var index = path.first == UInt8(ascii: "/") ? 1 : 0
        var segment = 0
        var more = !path.isEmpty
        while more {
            let end = path[index...].firstIndex(of: UInt8(ascii: "/")) ?? path.count
            guard segment < segments.count else { return false }
            let part = UnsafeBufferPointer(rebasing: path[index..<end])
            switch segments[segment] {
            case .rest:
                parameters = bound
                return true
            case .literal(let text):
                guard part.count == text.count, part.elementsEqual(text) else { return false }
            case .parameter(let name):
                guard let decoded = PercentDecoding.decode(String(decoding: part, as: UTF8.self)) else { return false }
                bound[name] = decoded
            }
            segment += 1
            more = end < path.count
            index = end + 1
        }
        guard segment == segments.count || (segment == segments.count - 1 && segments.last == .rest) else { return false }
        parameters = bound
        return true
    }
}
