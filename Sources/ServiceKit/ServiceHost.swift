import Foundation
import HTTP
import Logging
import Routing
import Sockets
import Synchronization

/// Settings every process reads: listen address, body limit, log level.
public struct CommonConfig: Sendable {
    /// `HOST`.
    public var host: String
    /// `PORT`.
    public var port: Int
    /// `MAX_BODY_BYTES`.
    public var maxBodyBytes: Int
    /// `LOG_LEVEL`.
    public var logLevel: Logger.Level
    /// Event loops; one per CPU the process may use (affinity mask and cgroup quota,
    /// ``AvailableCPUs``) unless `EVENT_LOOPS` says otherwise (benchmarks pin to one).
    public var loopCount: Int?
    /// `MAX_CONNECTIONS`: connections open at once (``HTTPLimits/connectionsMax``).
    public var connectionsMax: Int
    /// `MAX_CONNECTIONS_PER_PEER`: connections open at once per client, 0 for no limit
    /// (``HTTPLimits/connectionsPerPeerMax``).
    public var connectionsPerPeerMax: Int
    /// `MAX_BUFFERED_BODY_BYTES`: request-body bytes held by all connections together
    /// (``HTTPLimits/bufferedBodyBytesMax``).
    public var bufferedBodyBytesMax: Int
    /// `STREAM_HEARTBEAT_MS`: a streamed response's heartbeat interval
    /// (``HTTPLimits/streamHeartbeatIntervalMs``); `nil` keeps the limits' own.
    public var streamHeartbeatIntervalMs: Int?
    /// `STREAM_BUFFER_BYTES_MAX`: unsent bytes of a stream before its slow reader is dropped
    /// (``HTTPLimits/streamBufferBytesMax``); `nil` keeps the limits' own.
    public var streamBufferBytesMax: Int?

    /// Reads and validates the common variables. `defaultConnectionsPerPeerMax`: the gateway,
    /// which clients reach, limits each client; the services, whose peers are the gateway and
    /// trade, do not by default.
    public init(environment: Environment, defaultPort: Int, defaultConnectionsPerPeerMax: Int = 0) throws {
        host = try environment.host()
        port = try environment.port(default: defaultPort)
        maxBodyBytes = try environment.int("MAX_BODY_BYTES", default: 1_048_576, in: 1...(64 * 1_048_576))
        logLevel = try environment.logLevel()
        loopCount = environment.raw("EVENT_LOOPS") == nil ? nil : try environment.int("EVENT_LOOPS", default: 1, in: 1...256)
        let defaults = HTTPLimits()
        connectionsMax = try environment.int("MAX_CONNECTIONS", default: defaults.connectionsMax, in: 1...1_000_000)
        connectionsPerPeerMax = try environment.int("MAX_CONNECTIONS_PER_PEER", default: defaultConnectionsPerPeerMax,
                                                    in: 0...1_000_000)
        // Large bodies may use three quarters of the budget (BodyBudget): one of MAX_BODY_BYTES must
        // fit. The default grows with a larger MAX_BODY_BYTES; a budget set too small is an error.
        let needed = maxBodyBytes + (maxBodyBytes + 2) / 3
        bufferedBodyBytesMax = try environment.int("MAX_BUFFERED_BODY_BYTES",
                                                   default: max(defaults.bufferedBodyBytesMax, needed), in: 1...(1 << 40))
        streamHeartbeatIntervalMs = environment.raw("STREAM_HEARTBEAT_MS") == nil ? nil
            : try environment.int("STREAM_HEARTBEAT_MS", default: defaults.streamHeartbeatIntervalMs, in: 10...3_600_000)
        streamBufferBytesMax = environment.raw("STREAM_BUFFER_BYTES_MAX") == nil ? nil
            : try environment.int("STREAM_BUFFER_BYTES_MAX", default: defaults.streamBufferBytesMax, in: 1024...(1 << 30))
        guard bufferedBodyBytesMax >= needed else {
            throw ConfigError("MAX_BUFFERED_BODY_BYTES",
                              "must be at least \(needed) (three quarters of it must hold one MAX_BODY_BYTES body), got \(bufferedBodyBytesMax)")
        }
    }
}

/// A running service: the HTTP server answering through one router, whose table is `/health`
/// and `/metrics` (``standardRoutes``) then the service's own, and whose middleware is
/// observability (request id, log line, metrics), the service's own (the gateway's rate limit),
/// then authentication; and the hook that releases the service's resources.
public final class ServiceHost: Sendable {
    /// The HTTP server.
    public let server: HTTPServer
    private let onShutdown: @Sendable () async -> Void
    /// The shutdown, started once; every caller awaits it.
    private let stopping = Mutex<Task<Void, Never>?>(nil)

    /// The bound port (differs from the configured one when that was 0).
    public var port: Int { server.port }

    /// What answers the standard routes.
    public struct StandardEndpoints: Sendable {
        /// `GET /health`.
        public var health: Endpoint

        /// The standard routes answered with `health`.
        public init(health: Endpoint) {
            self.health = health
        }
    }

    /// The routes every process serves before its own table (API.md "Every process").
    public static let standardRoutes: [Route<StandardEndpoints>] = [
        Route("GET", "/health", endpoint: { $0.health }),
        Route("GET", "/metrics", responder: { _ in { _, reply in reply.send(ServiceMetrics.render()) } }),
    ]

    /// The plain `/health`: 200 once the process serves (its database opened before the server starts).
    public static let plainHealth: Endpoint = {
        // Made once: each answer shares its body and fields instead of allocating them.
        let healthy = HTTPResponse(status: 200, contentType: JSONCoding.contentType, body: Array(#"{"status":"ok"}"#.utf8))
        return .responder { _, reply in reply.send(healthy) }
    }()

    /// Builds the router and starts serving at once.
    /// - Parameters:
    ///   - limits: overrides for tests (short timeouts); `MAX_BODY_BYTES` still applies.
    ///   - routes: the service's route table, its endpoints taken from `endpoints`.
    ///   - health: replaces the plain `/health` (the gateway aggregates its upstreams').
    ///   - middleware: the service's own, inside observability and outside authentication.
    ///   - authenticator: verifies the tokens of routes whose ``Access`` needs one.
    ///   - afterAuthentication: the service's middleware that needs the verified user (trade's shard check).
    ///   - onShutdown: runs after the server has drained, before its loops stop (close databases, pools).
    public init<Endpoints>(config: CommonConfig, logger: Logger, limits: HTTPLimits = HTTPLimits(),
                           group: EventLoopGroup? = nil, routes: [Route<Endpoints>], endpoints: Endpoints,
                           health: Endpoint = ServiceHost.plainHealth, middleware: [any Middleware] = [],
                           authenticator: (any Authenticator)? = nil, afterAuthentication: [any Middleware] = [],
                           onShutdown: @escaping @Sendable () async -> Void = {}) throws {
        ServiceMetrics.bootstrap()
        var builder = RouterBuilder(logger: logger)
        builder.add(Self.standardRoutes, endpoints: StandardEndpoints(health: health))
        builder.add(routes, endpoints: endpoints)
        builder.add(ObservabilityMiddleware(logger: logger, routes: builder.patterns))
        for item in middleware { builder.add(item) }
        if let authenticator { builder.add(AuthenticationMiddleware(authenticator)) }
        for item in afterAuthentication { builder.add(item) }
        let router = builder.build()
        var limits = limits
        limits.bodyBytesMax = config.maxBodyBytes
        limits.connectionsMax = config.connectionsMax
        limits.connectionsPerPeerMax = config.connectionsPerPeerMax
        limits.bufferedBodyBytesMax = config.bufferedBodyBytesMax
        if let heartbeat = config.streamHeartbeatIntervalMs { limits.streamHeartbeatIntervalMs = heartbeat }
        if let buffer = config.streamBufferBytesMax { limits.streamBufferBytesMax = buffer }
        let configuration = HTTPServer.Configuration(host: config.host, port: config.port, loopCount: config.loopCount,
                                                     limits: limits)
        let observer = RequestObserver(logger: logger)
        server = try HTTPServer(configuration: configuration, group: group, onRejection: { observer.rejected($0) },
                                responder: router)
        self.onShutdown = onShutdown
    }

    /// The event loops for `config`: one per CPU the process may use unless `EVENT_LOOPS` is set.
    /// Services that call upstreams create these first and share them with their ``HTTPClient``.
    public static func makeEventLoops(_ config: CommonConfig) throws -> EventLoopGroup {
        try EventLoopGroup(count: config.loopCount ?? AvailableCPUs.current(), name: "http")
    }

    /// How many event loops serve requests.
    public var loopCount: Int { server.eventLoops.loops.count }

    /// Drains the server, releases the service's resources, then stops the event loops: trade's
    /// order matcher may be waiting on a price request on those loops, and ends only once that
    /// request does (a loop stopped first left it unanswered and this shutdown waiting forever).
    /// Safe to call more than once.
    public func shutdown() async {
        let task = stopping.withLock { task in
            if let task { return task }
            let started = Task { [server, onShutdown] in
                await server.drain()
                await onShutdown()
                await server.shutdown()
            }
            task = started
            return started
        }
        await task.value
    }
}
