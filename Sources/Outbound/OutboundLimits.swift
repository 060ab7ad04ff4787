/// Limits of the outbound HTTP client, in one place, each named with its unit.
public enum OutboundLimits {
    /// Largest response body collected, in bytes. Provider replies are a few KiB (`compact` history of
    /// 100 rows is about 15 KiB); 1 MiB leaves room and still bounds memory per worker.
    public static let bodyBytesMax = 1 << 20
    /// Worker threads per client by default: each holds one easy handle and at most one transfer, so this
    /// is the client's concurrency. The stock service makes few outbound calls (the free tier allows 25
    /// a day), and four lets a slow provider call not block every other symbol.
    public static let workerCountDefault = 4
    /// Jobs waiting for a worker by default before `get` fails fast; bounds memory and queueing delay.
    public static let queueCapacityDefault = 256
    /// Sent as `User-Agent` so the provider's operators can tell who calls.
    public static let userAgentDefault = "trading-suite-outbound/1.0"
}
