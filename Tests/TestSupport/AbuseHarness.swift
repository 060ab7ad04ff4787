import Foundation
import HTTP
import Synchronization

/// What an attack did to the suite, measured while one normal user kept trading through the gateway.
public struct AbuseOutcome: Sendable {
    /// VmHWM-or-sampled peak RSS per running process name, in bytes.
    public var peakRSSBytes: [String: Int]
    /// Requests the normal client sent.
    public var normalRequests: Int
    /// Each unexpected status / error, described.
    public var normalFailures: [String]
    /// The normal client's p99 latency.
    public var normalP99: Duration
    /// The normal user's ledger reconciled afterwards.
    public var ledger: TradeLedgerChecker.Report
}

/// Runs an attack against a ``SuiteProcesses`` while a normal user trades (issue 22, "An abuse suite").
public enum AbuseHarness {
    /// Registers a normal user, then runs `attack` while that user alternately buys and sells 1 AAPL
    /// (each with a fresh Idempotency-Key) through the gateway, sampling each process's VmRSS from
    /// /proc/PID/status every 50 ms; prints one line
    /// `abuse: NAME peak RSS auth=… stock=… trade=… gateway=… MiB; normal p99=… ms n=… failures=…`
    /// (the lead collects these for the closing note) and returns the outcome.
    public static func run(_ name: String, suite: SuiteProcesses,
                           attack: @escaping @Sendable () async throws -> Void) async throws -> AbuseOutcome {
        let names = SuiteProcesses.services + ["gateway"]
        let token = try await suite.registerAndLogin(SuiteProcesses.uniqueUsername("normal"))
        let done = StopFlag()
        let peaks = PeakRSS()
        let sampler = Task {
            while !done.isSet {
                sample(suite, names, into: peaks, field: "VmRSS:")
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        let trader = Task { await trade(suite, token: token, until: done) }
        let attackResult: Result<Void, any Error>
        do {
            try await attack()
            attackResult = .success(())
        } catch {
            attackResult = .failure(error)
        }
        done.set()
        let (latencies, failures) = await trader.value
        await sampler.value
        sample(suite, names, into: peaks, field: "VmHWM:")
        try attackResult.get()

        let ledger = try await TradeLedgerChecker(client: suite.gateway(), initialCash: "10000.00").check(token: token)
        let sorted = latencies.sorted()
        let p99 = sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, (sorted.count * 99) / 100)]
        let outcome = AbuseOutcome(peakRSSBytes: peaks.bytes, normalRequests: latencies.count + failures.count,
                                   normalFailures: failures, normalP99: p99, ledger: ledger)
        let mib = names.map { "\($0)=" + (outcome.peakRSSBytes[$0].map { String(format: "%.1f", Double($0) / 1_048_576) } ?? "-") }
        print("abuse: \(name) peak RSS \(mib.joined(separator: " ")) MiB; normal p99=\(milliseconds(p99)) ms "
              + "n=\(outcome.normalRequests) failures=\(failures.count)")
        return outcome
    }

    /// Reads `field` (`VmRSS:` or `VmHWM:`, in kB) of each running process and keeps the largest seen.
    static func sample(_ suite: SuiteProcesses, _ names: [String], into peaks: PeakRSS, field: String) {
        for name in names {
            guard let process = suite.process(name), process.isRunning,
                  let status = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
                  let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
            else { continue }
            peaks.record(name, kilobytes * 1024)
        }
    }

    /// Buys and sells 1 AAPL in turn until `done`; each request's latency, and every unexpected answer.
    static func trade(_ suite: SuiteProcesses, token: String, until done: StopFlag) async
        -> (latencies: [Duration], failures: [String]) {
        let client = suite.gateway(timeout: .seconds(10))
        var latencies: [Duration] = []
        var failures: [String] = []
        var holding = false
        // At least one round trip each way, however short the attack.
        while !done.isSet || latencies.count + failures.count < 2 {
            let side = holding ? "sell" : "buy"
            var headers = HTTPHeaders()
            headers.add("Idempotency-Key", "abuse-\(UUID().uuidString)")
            let started = ContinuousClock.now
            do {
                let reply = try await client.post("/trade/\(side)", json: #"{"symbol":"AAPL","quantity":1}"#,
                                                  token: token, headers: headers)
                if reply.status == 201 {
                    latencies.append(ContinuousClock.now - started)
                    holding.toggle()
                } else {
                    failures.append("\(side): \(reply.status) \(reply.text.prefix(200))")
                }
            } catch {
                failures.append("\(side): \(error)")
            }
            if failures.count > 100 { break }  // the suite is down: enough evidence
        }
        return (latencies, failures)
    }

    /// `duration` in milliseconds with one decimal.
    public static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}

/// A flag one task sets and others poll.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}

/// The largest RSS seen per process name, in bytes.
final class PeakRSS: Sendable {
    private let peaks = Mutex<[String: Int]>([:])
    var bytes: [String: Int] { peaks.withLock { $0 } }
    func record(_ name: String, _ bytes: Int) { peaks.withLock { $0[name] = max($0[name] ?? 0, bytes) } }
}
