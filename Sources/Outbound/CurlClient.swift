import CCurl
import Dispatch
import Foundation

/// Blocking libcurl GETs run on a small fixed pool of worker threads, exposed as an async call.
///
/// libcurl's easy interface blocks its thread for the whole transfer; running it on the Swift
/// concurrency pool would starve that pool (it has one thread per core). So each worker is a dedicated
/// thread that owns one reused easy handle (keep-alive connections and TLS sessions survive between
/// requests), and all handles share one DNS/TLS-session cache (`CurlShare`). Callers wait in a bounded
/// queue; when it is full, `get` fails at once rather than letting latency grow without limit.
///
/// Task cancellation does not abort a transfer: the timeout bounds it anyway.
/// Dropping the last reference fails any queued jobs and lets the workers exit after their current
/// transfer.
public final class CurlClient: Sendable {
    /// Largest response body accepted, in bytes (1 MiB); a larger one fails with
    /// `CurlError.bodyTooLargeCode`.
    public static let bodyBytesMax = OutboundLimits.bodyBytesMax

    private let queue: CurlJobQueue

    /// Loads libcurl for this process, unless it is already loaded (then `path` is ignored). Clients load
    /// it themselves on first use; a service that needs the network calls this at start, to fail fast
    /// instead of failing every request.
    /// - Parameter path: the library to open; nil for the platform's usual name (`libcurl.so.4`).
    /// - Throws: `.other` with `CurlError.libraryUnavailableCode` when it is missing, lacks a function
    ///   we call, or fails to initialize.
    public static func loadLibrary(path: String? = nil) throws(CurlError) {
        if let reason = CurlGlobal.load(path: path) {
            throw .other(code: CurlError.libraryUnavailableCode, message: reason)
        }
    }

    /// Starts `workerCount` threads (1...64), each with its own easy handle.
    /// - Parameters:
    ///   - workerCount: concurrent transfers; default 4.
    ///   - queueCapacity: requests allowed to wait for a worker before `get` fails fast; default 256.
    ///   - userAgent: the `User-Agent` header sent with every request.
    public init(
        workerCount: Int = OutboundLimits.workerCountDefault,
        queueCapacity: Int = OutboundLimits.queueCapacityDefault,
        userAgent: String = OutboundLimits.userAgentDefault
    ) {
        let workers = min(max(workerCount, 1), 64)
        let queue = CurlJobQueue(capacity: max(queueCapacity, 1), workerCount: workers)
        self.queue = queue
        let share = CurlShare()
        for index in 0..<workers {
            let thread = Thread {
                Self.runWorker(queue: queue, share: share, userAgent: userAgent)
            }
            thread.name = "curl-worker-\(index)"
            thread.start()
        }
    }

    deinit { queue.close() }

    /// Performs `GET url` on a worker thread and returns the status and body, whatever the status.
    /// - Parameters:
    ///   - url: an absolute `http` or `https` URL, already percent-encoded.
    ///   - timeoutMs: bound on the whole call, queueing, connecting and transfer included (at least 1).
    /// - Throws: `.timedOut`, `.connectFailed` (refused, unreachable, DNS failure) or `.other`
    ///   (queue full, body over 1 MiB, malformed URL, TLS or protocol errors, ...).
    public func get(_ url: String, timeoutMs: Int) async throws(CurlError) -> CurlResponse {
        let timeout = UInt64(max(timeoutMs, 1))
        let deadline = DispatchTime.now().uptimeNanoseconds + timeout * 1_000_000
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<CurlResponse, CurlError>, Never>) in
            let job = CurlJob(url: url, deadlineNanos: deadline, continuation: continuation)
            if let refusal = queue.enqueue(job) { job.finish(.failure(refusal)) }
        }
        return try result.get()
    }

    /// A worker's whole life: make the handle on this thread, serve jobs until the queue closes.
    private static func runWorker(queue: CurlJobQueue, share: CurlShare, userAgent: String) {
        let easy = CurlEasyHandle(share: share, userAgent: userAgent, bodyBytesMax: OutboundLimits.bodyBytesMax)
        while let job = queue.dequeue() {
            guard let easy else {
                let reason = CurlGlobal.load(path: nil) ?? "curl_easy_init failed"
                job.finish(.failure(.other(code: Int32(CURLE_FAILED_INIT.rawValue), message: "libcurl unusable: \(reason)")))
                continue
            }
            let now = DispatchTime.now().uptimeNanoseconds
            guard job.deadlineNanos > now else {
                job.finish(.failure(.timedOut))  // its whole budget went waiting in the queue
                continue
            }
            let remainingMs = Int((job.deadlineNanos - now + 999_999) / 1_000_000)
            job.finish(easy.get(job.url, timeoutMs: remainingMs))
        }
    }
}
