import HTTP
import Logging
import Routing

/// The outermost middleware of every service: assigns the request id (the client's if sane,
/// API.md), echoes it in `X-Request-ID`, writes the one access-log line, and counts the request.
public struct ObservabilityMiddleware: Middleware {
    private let observer: RequestObserver

    /// Logs through `logger` (its handler adds `service=`).
    public init(logger: Logger) {
        observer = RequestObserver(logger: logger)
    }

    public func handle(_ request: HTTPRequest, context: RequestContext, next: Handler) async throws -> HTTPResponse {
        let start = ContinuousClock.now
        var context = context
        context.requestID = observer.requestID(for: request)
        context.logger = observer.logger
        var response: HTTPResponse
        do {
            response = try await next(request, context)
        } catch {
            response = .problem(for: error)
        }
        observer.finish(method: request.method, peer: request.peer, route: context.route ?? "unmatched", requestID: context.requestID, start: start,
                        response: &response)
        return response
    }
}
