import HTTP
import Logging
import Sockets

/// The request id, the access-log line and the request metrics of API.md "Every process", in one
/// place for the two paths that answer requests: ``ObservabilityMiddleware`` around the router,
/// and responders that answer without it (the gateway's proxy path).
public struct RequestObserver: Sendable {
    /// The service's logger (its handler adds `service=`).
    public let logger: Logger

    /// Logs through `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// The client's `X-Request-ID` if sane (API.md), else a new one.
    public func requestID(for request: HTTPRequest) -> String {
        if let sent = request.headers["X-Request-ID"], RequestID.isAcceptable(sent) { return sent }
        return RequestID.next()
    }

    /// Echoes the id in `response`, counts the request (in `series` when the caller keeps one for
    /// `route`) and writes its one log line.
    public func finish(method: String, peer: String, route: String, series: ServiceMetrics.RouteSeries? = nil,
                       requestID: String, start: LoopInstant, response: inout HTTPResponse) {
        response.requestID = requestID
        record(method: method, peer: peer, route: route, series: series, requestID: requestID, status: response.status,
               duration: LoopInstant.now - start)
    }

    /// Counts and logs a request the server answered itself (a framing error, a limit, a 408),
    /// with the route `unmatched`, the method `-` when its request line was never read, and why.
    public func rejected(_ rejection: HTTPRejection) {
        record(method: rejection.method ?? "-", peer: rejection.peer, route: "unmatched", requestID: rejection.requestID,
               status: rejection.status, duration: rejection.duration, reason: rejection.reason)
    }

    private func record(method: String, peer: String, route: String, series: ServiceMetrics.RouteSeries? = nil,
                        requestID: String, status: Int, duration: Duration, reason: String? = nil) {
        if let series {
            series.record(method: method, status: status, duration: duration)
        } else {
            ServiceMetrics.recordRequest(method: method, route: route, status: status, duration: duration)
        }
        guard logger.logLevel <= .info else { return }
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        // The request id goes into each call's metadata, not the logger's: setting logger
        // metadata copies the handler and its dictionary on every request.
        var metadata: Logger.Metadata = [
            "request_id": .string(requestID),
            "method": .string(MetricsMethod.logged(method)),
            "route": .string(route),
            "status": .stringConvertible(status),
            "duration_ms": .string(Self.milliseconds(micros)),
            "peer": .string(peer),
        ]
        if let reason { metadata["reason"] = .string(reason) }
        logger.info(reason == nil ? "" : "rejected request", metadata: metadata)
    }

    private static func milliseconds(_ micros: Int64) -> String {
        let fraction = micros % 1000
        let padded = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
        return "\(micros / 1000).\(padded)"
    }
}
