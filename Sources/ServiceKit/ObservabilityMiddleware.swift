import HTTP
import Logging
import Routing

/// The outermost middleware of every service: assigns the request id (the client's if sane,
/// API.md), echoes it in `X-Request-ID`, writes the one access-log line, and counts the request.
public struct ObservabilityMiddleware: Middleware {
    private let logger: Logger

    /// Logs through `logger` (its handler adds `service=`).
    public init(logger: Logger) {
        self.logger = logger
    }

    public func handle(_ request: HTTPRequest, context: RequestContext, next: Handler) async throws -> HTTPResponse {
        let start = ContinuousClock.now
        var context = context
        if let sent = request.headers["X-Request-ID"], RequestID.isAcceptable(sent) {
            context.requestID = sent
        } else {
            context.requestID = RequestID.next()
        }
        // The request id goes into each log call's metadata, not the logger's: setting logger
        // metadata copies the handler and its dictionary on every request.
        context.logger = logger
        var response: HTTPResponse
        do {
            response = try await next(request, context)
        } catch {
            response = .problem(for: error)
        }
        response.headers.set("X-Request-ID", context.requestID)
        let duration = ContinuousClock.now - start
        let route = context.route ?? "unmatched"
        ServiceMetrics.recordRequest(method: request.method, route: route, status: response.status, duration: duration)
        if logger.logLevel <= .info {
            let (seconds, attoseconds) = duration.components
            let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
            logger.info("", metadata: [
                "request_id": .string(context.requestID),
                "method": .string(request.method),
                "route": .string(route),
                "status": .stringConvertible(response.status),
                "duration_ms": .string(Self.milliseconds(micros)),
                "peer": .string(request.peer),
            ])
        }
        return response
    }

    private static func milliseconds(_ micros: Int64) -> String {
        let fraction = micros % 1000
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(micros / 1000).\(padded)"
    }
}
