import CoreMetrics
import HTTP
import Prometheus
import Synchronization

/// The process's metrics: swift-metrics bootstrapped once onto a Prometheus registry, plus cached
/// handles for the per-request series so the hot path does one dictionary lookup.
public enum ServiceMetrics {
    /// The registry `/metrics` renders.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Eleven buckets, fine below a millisecond (a hop through the gateway is ~0.1 ms), coarse
        // above 10 ms: each observation visits every bucket under a lock, twice per relayed
        // request, and sixteen buckets were 5% of the gateway's instructions (bench/RESULTS.md).
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
            .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    private struct Key: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    private static let handles = Mutex<[Key: (CoreMetrics.Counter, CoreMetrics.Timer)]>([:])

    /// Makes sure the factory is installed before any metric is created.
    public static func bootstrap() { _ = registry }

    /// Counts one request in `http_requests_total{method,route,status}` and observes
    /// `http_request_duration_seconds{method,route}`.
    /// A method outside the known set is labelled `_OTHER` (``MetricsMethod``).
    public static func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        let (counter, timer) = series(method: MetricsMethod.label(method), route: route, status: status)
        counter.increment()
        timer.recordInterval(duration)
    }

    private static func series(method: String, route: String, status: Int) -> (CoreMetrics.Counter, CoreMetrics.Timer) {
        let key = Key(method: method, route: route, status: status)
        return handles.withLock { cache in
            if let found = cache[key] { return found }
            bootstrap()
            let made = (CoreMetrics.Counter(label: "http_requests_total",
                                            dimensions: [("method", method), ("route", route), ("status", String(status))]),
                        CoreMetrics.Timer(label: "http_request_duration_seconds",
                                          dimensions: [("method", method), ("route", route)]))
            // Bounded: methods are labelled from a fixed set, and routes are few (unmatched paths share one).
            if cache.count < 10_000 { cache[key] = made }
            return made
        }
    }

    /// The request series of one route, for a caller that knows its routes up front (the gateway's
    /// proxy path): a short list searched by method and status, where ``recordRequest`` hashes
    /// two strings and an integer per request (a fifth of the gateway's metrics cost, profiles).
    public final class RouteSeries: Sendable {
        /// The route pattern, as in `http_requests_total{route}`.
        public let route: String
        private let known = Mutex<[(method: String, status: Int, counter: CoreMetrics.Counter, timer: CoreMetrics.Timer)]>([])
        /// Bounded (methods are labelled from a fixed set, statuses are few); past this many, ``recordRequest`` serves.
        private static let knownMax = 32

        public init(route: String) {
            self.route = route
        }

        /// The same series as ``ServiceMetrics/recordRequest(method:route:status:duration:)`` with this route;
        /// a method outside the known set is labelled `_OTHER`.
        public func record(method: String, status: Int, duration: Duration) {
            let method = MetricsMethod.label(method)
            let found = known.withLock { list -> (CoreMetrics.Counter, CoreMetrics.Timer)? in
                for entry in list where entry.status == status && entry.method == method { return (entry.counter, entry.timer) }
                return nil
            }
            if let (counter, timer) = found {
                counter.increment()
                timer.recordInterval(duration)
                return
            }
            let (counter, timer) = ServiceMetrics.series(method: method, route: route, status: status)
            known.withLock { list in
                if list.count < Self.knownMax, !list.contains(where: { $0.status == status && $0.method == method }) {
                    list.append((method, status, counter, timer))
                }
            }
            counter.increment()
            timer.recordInterval(duration)
        }
    }

    private static let namedCounters = HandleCache<CoreMetrics.Counter>()
    private static let namedTimers = HandleCache<CoreMetrics.Timer>()

    /// A cached counter handle: creating one per use would take the registry's lock each time.
    public static func counter(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        namedCounters.handle(label, dimensions) { CoreMetrics.Counter(label: label, dimensions: dimensions) }
    }

    /// A cached timer (histogram) handle.
    public static func timer(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Timer {
        namedTimers.handle(label, dimensions) { CoreMetrics.Timer(label: label, dimensions: dimensions) }
    }

    /// Metric handles by label and dimensions, bounded (clients can invent label values).
    private final class HandleCache<Handle: Sendable>: Sendable {
        private let handles = Mutex<[String: Handle]>([:])

        func handle(_ label: String, _ dimensions: [(String, String)], make: () -> Handle) -> Handle {
            let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
            return handles.withLock { cache in
                if let found = cache[key] { return found }
                bootstrap()
                let made = make()
                if cache.count < 10_000 { cache[key] = made }
                return made
            }
        }
    }

    /// The Prometheus text exposition of every metric.
    public static func render() -> HTTPResponse {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return HTTPResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: buffer)
    }
}

extension CoreMetrics.Timer {
    /// Records a `Duration` with nanosecond precision. One 64-bit division when the duration is
    /// under 9 s (every request, nearly): `components` divides 128-bit attoseconds, and showed in
    /// the gateway's profile.
    public func recordInterval(_ duration: Duration) {
        if let attoseconds = Int64(exactly: duration.attoseconds) {
            recordNanoseconds(attoseconds / 1_000_000_000)
        } else {
            let (seconds, attoseconds) = duration.components
            recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
    }
}
