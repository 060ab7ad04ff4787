import HTTP
import Logging
import Routing

/// The outermost middleware of every service and the gateway: assigns the request id (the
/// client's if sane, API.md), echoes it in `X-Request-ID`, writes the one access-log line, and
/// counts the request under its route pattern (`unmatched` when none).
public struct ObservabilityMiddleware: Middleware {
    private let observer: RequestObserver
    /// The request series of each route, by ``RequestContext/routeIndex``, and of unmatched paths:
    /// a short list searched by method and status, not a hash of three labels per request.
    private let series: [ServiceMetrics.RouteSeries]
    private let unmatched = ServiceMetrics.RouteSeries(route: "unmatched")

    /// Logs through `logger` (its handler adds `service=`); `routes` are the router's patterns in
    /// table order (``RouterBuilder/patterns``).
    public init(logger: Logger, routes: [String]) {
        observer = RequestObserver(logger: logger)
        // One series per pattern: two methods on one pattern share it.
        var byPattern: [String: ServiceMetrics.RouteSeries] = [:]
        series = routes.map { pattern in
            if let made = byPattern[pattern] { return made }
            let made = ServiceMetrics.RouteSeries(route: pattern)
            byPattern[pattern] = made
            return made
        }
    }

    public func before(_ request: HTTPRequest, _ context: inout RequestContext) -> MiddlewareStep {
        context.requestID = observer.requestID(for: request)
        return .next
    }

    public func after(_ response: inout HTTPResponse, _ context: RequestContext) {
        let series = context.routeIndex.map { self.series[$0] } ?? unmatched
        observer.finish(method: context.method, peer: context.peer, route: series.route, series: series,
                        requestID: context.requestID, start: context.received, response: &response)
    }
}
