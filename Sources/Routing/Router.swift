import HTTP
import Logging

/// Collects routes and middleware, then ``build()``s an immutable ``Router``.
public struct RouterBuilder {
    private var routes: [Route] = []
    private var middleware: [any Middleware] = []

    /// An empty builder.
    public init() {}

    /// Adds a route. `pattern` is a path of literal segments and `{name}` parameters, optionally
    /// ending in `**` (any rest of the path); `method` `*` matches every method.
    public mutating func on(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        let route = Route(method: method, pattern: pattern, handler: handler)
        precondition(!routes.contains { $0.method == method && $0.pattern == pattern }, "duplicate route \(method) \(pattern)")
        routes.append(route)
    }

    /// Adds a `GET` route (also answers `HEAD`, without the body).
    public mutating func get(_ pattern: String, _ handler: @escaping Handler) { on("GET", pattern, handler) }

    /// Adds a `POST` route.
    public mutating func post(_ pattern: String, _ handler: @escaping Handler) { on("POST", pattern, handler) }

    /// Adds middleware; the first added runs outermost.
    public mutating func add(_ middleware: any Middleware) { self.middleware.append(middleware) }

    /// Freezes the routes and middleware into a router.
    public func build() -> Router { Router(routes: routes, middleware: middleware) }
}

struct Route: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        /// `**`, last only: zero or more remaining segments (a reverse proxy's prefix routes).
        case rest
    }

    let method: String
    let pattern: String
    let segments: [Segment]
    let handler: Handler

    init(method: String, pattern: String, handler: @escaping Handler) {
        self.method = method
        self.pattern = pattern
        self.handler = handler
        // `/` is one empty segment, as ``Router/resolve(_:into:)`` splits the path `/`.
        segments = pattern == "/" ? [.literal("")] : pattern.split(separator: "/").map { part in
            if part == "**" { return .rest }
            if part.hasPrefix("{") && part.hasSuffix("}") { return .parameter(String(part.dropFirst().dropLast())) }
            return .literal(String(part))
        }
    }

    /// The parameters if `path` matches this route's shape, else `nil`.
    func match(_ parts: [Substring]) -> [String: String]? {
        if segments.last == .rest {
            guard parts.count >= segments.count - 1 else { return nil }
        } else {
            guard parts.count == segments.count else { return nil }
        }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .rest: return parameters
            case .literal(let text): if part != text { return nil }
            case .parameter(let name):
                guard let decoded = PercentDecoding.decode(part) else { return nil }
                parameters[name] = decoded
            }
        }
        return parameters
    }
}

/// Routes requests to handlers through middleware. Immutable and `Sendable`: built once at start.
///
/// Unknown paths are 404 and known paths with the wrong method are 405 with `Allow`, both as
/// problem+json, and both pass through the middleware so they are logged and counted.
public struct Router: Sendable {
    private let routes: [Route]
    private let chain: Handler
    private let logger: Logger

    init(routes: [Route], middleware: [any Middleware]) {
        self.routes = routes
        self.logger = Logger(label: "router")
        // The innermost step dispatches to the handler the router chose and maps thrown errors to
        // problems, so every middleware sees a response, never an error.
        var chain: Handler = { request, context in
            do {
                guard let handler = context.handler else { throw context.routingError ?? HTTPError.internalError }
                return try await handler(request, context)
            } catch {
                if !(error is any ProblemConvertible) {
                    context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))",
                                                                       "request_id": "\(context.requestID)"])
                }
                return .problem(for: error)
            }
        }
        for middleware in middleware.reversed() {
            let next = chain
            chain = { request, context in try await middleware.handle(request, context: context, next: next) }
        }
        self.chain = chain
    }

    /// Answers `request`; never throws.
    public func respond(_ request: HTTPRequest) async -> HTTPResponse {
        var context = RequestContext(requestID: "", logger: logger)
        resolve(request, into: &context)
        do {
            return try await chain(request, context)
        } catch {
            return .problem(for: error)
        }
    }

    /// Finds the route and parameters, or records why none applies.
    func resolve(_ request: HTTPRequest, into context: inout RequestContext) {
        // Empty segments are kept: collapsing them would answer `/stocks//history` as the quote of
        // a stock named HISTORY and `/stocks/` as the listing, where the symbol is empty (400).
        var parts = request.path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.first?.isEmpty == true { parts.removeFirst() }
        var allowed: [String] = []
        var matchedPattern: String? = nil
        for route in routes {
            guard let parameters = route.match(parts) else { continue }
            if route.method == request.method || route.method == "*" || (request.method == "HEAD" && route.method == "GET") {
                context.route = route.pattern
                context.parameters = parameters
                context.handler = route.handler
                return
            }
            matchedPattern = route.pattern
            allowed.append(route.method)
            if route.method == "GET" { allowed.append("HEAD") }
        }
        if let matchedPattern {
            context.route = matchedPattern
            let allow = allowed.joined(separator: ", ")
            context.routingError = HTTPError.methodNotAllowed(request.method, allow: allow)
        } else {
            context.routingError = HTTPError.notFound(request.path)
        }
    }
}
