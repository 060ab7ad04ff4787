import HTTP
import Logging
import Sockets

/// Collects routes and middleware, then ``build()``s an immutable ``Router``.
public struct RouterBuilder {
    private var routes: [RouteEntry] = []
    private var middleware: [any Middleware] = []
    private let logger: Logger

    /// An empty builder; `logger` records errors that are not problems (500s).
    public init(logger: Logger = Logger(label: "router")) {
        self.logger = logger
    }

    /// Adds a route; see ``Route`` for patterns and methods.
    public mutating func on(_ method: String, _ pattern: String, _ access: Access = .open, _ endpoint: Endpoint) {
        precondition(!routes.contains { $0.method == method && $0.pattern == pattern }, "duplicate route \(method) \(pattern)")
        routes.append(RouteEntry(method: method, pattern: pattern, access: access, endpoint: endpoint, index: routes.count))
    }

    /// Adds an open route answered by an async handler.
    public mutating func on(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        on(method, pattern, .open, .handler(handler))
    }

    /// Adds an open `GET` route (also answers `HEAD`, without the body).
    public mutating func get(_ pattern: String, _ handler: @escaping Handler) { on("GET", pattern, handler) }

    /// Adds an open `POST` route.
    public mutating func post(_ pattern: String, _ handler: @escaping Handler) { on("POST", pattern, handler) }

    /// Adds a service's route table, its endpoints taken from `endpoints`.
    public mutating func add<Endpoints>(_ table: [Route<Endpoints>], endpoints: Endpoints) {
        for route in table { on(route.method, route.pattern, route.access, route.endpoint(endpoints)) }
    }

    /// Adds middleware; the first added runs outermost.
    public mutating func add(_ middleware: any Middleware) { self.middleware.append(middleware) }

    /// The patterns added so far, in table order (``RequestContext/routeIndex``).
    public var patterns: [String] { routes.map(\.pattern) }

    /// Freezes the routes and middleware into a router. A route that needs a token without an
    /// ``AuthenticationMiddleware`` to check it is a programming error.
    public func build() -> Router {
        precondition(routes.allSatisfy { $0.access == .open } || middleware.contains { $0 is AuthenticationMiddleware },
                     "a route needs a token but no AuthenticationMiddleware was added")
        return Router(pipeline: Pipeline(routes: routes, middleware: middleware, logger: logger))
    }
}

/// Routes requests through middleware to endpoints: the server's one ``HTTPResponder``, for every
/// service and the gateway. Immutable and `Sendable`: built once at start.
///
/// On the loop that read the request: match the route, run each middleware's `before`, then the
/// endpoint: a ``Responder`` is called right there, a ``Handler`` in a task. The response passes
/// each middleware's `after`, innermost first, and goes to the connection. Unknown paths are 404
/// and known paths with the wrong method 405 with `Allow`, both as problem+json, answered where
/// the endpoint would be, so every middleware sees them (logged, counted, rate-limited).
public struct Router: HTTPResponder {
    let pipeline: Pipeline

    /// The route patterns in table order.
    public var patterns: [String] { pipeline.routes.map(\.pattern) }

    public func respond(to request: HTTPRequest, with handle: ResponseHandle) {
        pipeline.start(request, .connection(handle))
    }

    /// Answers `request` outside a server (tests); never throws.
    public func respond(_ request: HTTPRequest) async -> HTTPResponse {
        await withCheckedContinuation { pipeline.start(request, .continuation(Destination.Waiter($0))) }
    }
}

/// Where a response goes. Both cases hold one class reference: a `CheckedContinuation` held
/// inline (a type of the standard library whose layout is not fixed) made every copy and switch
/// of this enum, on every request, a call into the runtime.
enum Destination: Sendable {
    case connection(ResponseHandle)
    case continuation(Waiter)

    /// A caller outside a server awaiting the response (tests).
    final class Waiter: Sendable {
        let continuation: CheckedContinuation<HTTPResponse, Never>

        init(_ continuation: CheckedContinuation<HTTPResponse, Never>) {
            self.continuation = continuation
        }
    }

    func send(_ response: consuming HTTPResponse) {
        switch self {
        case .connection(let handle): handle.send(response)
        case .continuation(let waiter): waiter.continuation.resume(returning: response)
        }
    }
}

/// The router's frozen state and the request path over it. A class, so that a ``Reply`` holds it
/// with one reference.
final class Pipeline: Sendable {
    let routes: [RouteEntry]
    let middleware: [AnyMiddleware]
    let logger: Logger

    init(routes: [RouteEntry], middleware: [any Middleware], logger: Logger) {
        self.routes = routes
        self.middleware = middleware.map { AnyMiddleware.wrapping($0) }
        self.logger = logger
    }

    func start(_ request: HTTPRequest, _ destination: Destination) {
        // The loop's clock, read once per iteration: the request arrived in this iteration.
        run(request, resolve(request, received: EventLoop.current?.now ?? LoopInstant.now), from: 0, destination)
    }

    /// Runs the middleware from `index` on and then the endpoint, on this thread; the first
    /// suspension moves the rest of this request into a task.
    func run(_ request: HTTPRequest, _ context: consuming RequestContext, from index: Int, _ destination: Destination) {
        for index in index..<middleware.count {
            let step: MiddlewareStep
            do {
                step = try middleware[index].before(request, &context)
            } catch {
                finish(problem(for: error, context), context, entered: index, destination)
                return
            }
            switch step {
            case .next:
                continue
            case .answer(let response):
                finish(response, context, entered: index, destination)
                return
            case .suspend(let work):
                AsyncResponder.start { [self, context] in
                    var context = context
                    do {
                        try await work(request, &context)
                    } catch {
                        finish(problem(for: error, context), context, entered: index, destination)
                        return
                    }
                    run(request, context, from: index + 1, destination)
                }
                return
            }
        }
        guard let entry = context.entry, context.routing == .found else {
            let error = if context.routing == .methodNotAllowed {
                HTTPError.methodNotAllowed(request.method, allow: allowedMethods(request))
            } else {
                HTTPError.notFound(request.path)
            }
            finish(.problem(for: error), context, entered: middleware.count, destination)
            return
        }
        switch entry.endpoint {
        case .responder(let responder):
            // The context moves into the reply, where the responder reads it (no copy per call).
            responder(request, Reply(pipeline: self, context: consume context, destination: destination))
        case .handler(let handler):
            AsyncResponder.start { [self, context] in
                let response: HTTPResponse
                do {
                    response = try await handler(request, context)
                } catch {
                    response = problem(for: error, context)
                }
                finish(response, context, entered: middleware.count, destination)
            }
        }
    }

    /// Passes `response` through the `after` of the first `entered` middleware, innermost first,
    /// and sends it.
    func finish(_ response: consuming HTTPResponse, _ context: RequestContext, entered: Int, _ destination: Destination) {
        var index = entered
        while index > 0 {
            index -= 1
            middleware[index].after(&response, context)
        }
        destination.send(consume response)
    }

    /// The problem for a thrown error; one that is not a problem is a 500, its cause logged.
    private func problem(for error: any Error, _ context: RequestContext) -> HTTPResponse {
        if !(error is any ProblemConvertible) {
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))",
                                                       "request_id": "\(context.requestID)"])
        }
        return .problem(for: error)
    }

    /// The context of `request`: its route and parameters, or why none applies.
    func resolve(_ request: HTTPRequest, received: LoopInstant) -> RequestContext {
        var target = request.target
        return target.withUTF8 { bytes in
            let path = UnsafeBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count)])
            var parameters = [String: String]()
            var matched: RouteEntry? = nil
            for route in routes where route.match(path, parameters: &parameters) {
                if route.accepts(request.method) {
                    var context = RequestContext(method: request.method, peer: request.peer, received: received,
                                                 entry: route, routing: .found, needsToken: route.requiresToken(path))
                    context.parameters = parameters
                    return context
                }
                matched = route
            }
            return RequestContext(method: request.method, peer: request.peer, received: received, entry: matched,
                                  routing: matched == nil ? .notFound : .methodNotAllowed)
        }
    }

    /// The `Allow` list of a 405: the methods of the routes whose pattern matches the path (none
    /// of which takes the request's method), `HEAD` after `GET`.
    func allowedMethods(_ request: HTTPRequest) -> String {
        var target = request.target
        return target.withUTF8 { bytes in
            let path = UnsafeBufferPointer(rebasing: bytes[..<(bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count)])
            var parameters = [String: String]()
            var allowed: [String] = []
            for route in routes where route.match(path, parameters: &parameters) {
                allowed.append(route.method)
                if route.method == "GET" { allowed.append("HEAD") }
            }
            return allowed.joined(separator: ", ")
        }
    }
}

/// The way back for a ``Responder``: runs every middleware's `after` and sends, once, from any
/// thread. One allocation per request, holding only what the answer needs (not the request).
public final class Reply: Sendable {
    private let pipeline: Pipeline
    /// The request's context, as the middleware left it (the verified user, the request id).
    public let context: RequestContext
    private let destination: Destination

    init(pipeline: Pipeline, context: consuming RequestContext, destination: Destination) {
        self.pipeline = pipeline
        self.context = context
        self.destination = destination
    }

    /// Sends the endpoint's response.
    public func send(_ response: consuming HTTPResponse) {
        pipeline.finish(consume response, context, entered: pipeline.middleware.count, destination)
    }
}

/// A middleware as the pipeline calls it: one class reference whose methods are specialised for
/// the middleware's type. An `any Middleware` read from the array copies its boxed value (a
/// retain and an outlined copy per step and request) before each call; this costs one retain.
class AnyMiddleware: @unchecked Sendable {
    static func wrapping(_ middleware: any Middleware) -> AnyMiddleware { typed(middleware) }

    private static func typed<Wrapped: Middleware>(_ middleware: Wrapped) -> AnyMiddleware { Typed(middleware) }

    func before(_ request: HTTPRequest, _ context: inout RequestContext) throws -> MiddlewareStep { .next }
    func after(_ response: inout HTTPResponse, _ context: RequestContext) {}

    private final class Typed<Wrapped: Middleware>: AnyMiddleware, @unchecked Sendable {
        let wrapped: Wrapped
        init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        override func before(_ request: HTTPRequest, _ context: inout RequestContext) throws -> MiddlewareStep {
            try wrapped.before(request, &context)
        }

        override func after(_ response: inout HTTPResponse, _ context: RequestContext) {
            wrapped.after(&response, context)
        }
    }
}
