import Foundation
import HTTP
import Synchronization

/// What an attack did to the suite, measured while one normal user kept trading through the gateway.
public struct AbuseOutcome: Sendable {
    public var peakRSSBytes: [String: Int]   // VmHWM-or-sampled peak RSS per running process name
    public var normalRequests: Int           // requests the normal client sent
    public var normalFailures: [String]      // each unexpected status / error, described
    public var normalP99: Duration           // the normal client's p99 latency
    public var ledger: TradeLedgerChecker.Report  // the normal user's ledger reconciled afterwards
}

public enum AbuseHarness {
    /// Bounds of the normal client's run: it trades until the attack ends (and at least this
    /// often), never longer than the cap.
    private enum Limits {
        static let normalRequestsMin = 10
        static let runSecondsMax = 120
        static let sampleInterval = Duration.milliseconds(50)
    }

    /// Registers a normal user, then runs `attack` while that user alternately buys and sells 1 AAPL
    /// (each with a fresh Idempotency-Key) through the gateway, sampling each process's VmRSS from
    /// /proc/PID/status every 50 ms; prints one line
    /// `abuse: NAME peak RSS auth=… stock=… trade=… gateway=… MiB; normal p99=… ms n=… failures=…`
    /// (the lead collects these for the closing note) and returns the outcome.
    public static func run(_ name: String, suite: SuiteProcesses,
                           attack: @escaping @Sendable () async throws -> Void) async throws -> AbuseOutcome {
        let client = suite.gateway()
        let token = try await suite.registerAndLogin(SuiteProcesses.uniqueUsername("normal"))
        let names = ["auth", "stock", "trade", "gateway"]
        let pids = names.compactMap { name in suite.process(name).map { (name, $0.pid) } }
        let state = RunState()
        let sampler = Task.detached {
            while state.sampling.load(ordering: .relaxed) {
                for (name, pid) in pids {
                    guard let rss = statusKilobytes(pid: pid, field: "VmRSS") else { continue }
                    state.peaks.withLock { $0[name] = max($0[name] ?? 0, rss * 1024) }
                }
                try? await Task.sleep(for: Limits.sampleInterval)  // kept: the RSS sampling period
            }
        }
        // One request before the attack: the normal client's keep-alive connection is open before
        // any flood can take the server's places.
        _ = try? await client.get("/stocks/AAPL", token: token)
        let attackTask = Task.detached {
            defer { state.attackDone.store(true, ordering: .relaxed) }
            try await attack()
        }

        var latencies: [Duration] = []
        var failures: [String] = []
        var holding = false
        let started = ContinuousClock.now
        while (!state.attackDone.load(ordering: .relaxed) || latencies.count < Limits.normalRequestsMin)
                && ContinuousClock.now - started < .seconds(Limits.runSecondsMax) {
            let side = holding ? "sell" : "buy"
            let key = "abuse-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString)"
            let begun = ContinuousClock.now
            do {
                let reply = try await client.post("/trade/\(side)", json: #"{"symbol":"AAPL","quantity":1}"#, token: token,
                                                  headers: ["Idempotency-Key": key])
                latencies.append(ContinuousClock.now - begun)
                if reply.status == 201 {
                    holding.toggle()
                } else {
                    failures.append("\(side) answered \(reply.status): \(reply.text.prefix(200))")
                }
            } catch {
                latencies.append(ContinuousClock.now - begun)
                failures.append("\(side) failed: \(error)")
            }
        }
        let attackResult = await attackTask.result
        state.sampling.store(false, ordering: .relaxed)
        await sampler.value
        for (name, pid) in pids {
            // The high-water mark also catches a peak between two samples.
            if let hwm = statusKilobytes(pid: pid, field: "VmHWM") {
                state.peaks.withLock { $0[name] = max($0[name] ?? 0, hwm * 1024) }
            }
        }
        try attackResult.get()

        let ledger = try await TradeLedgerChecker(client: client, initialCash: "10000.00").check(token: token)
        let sorted = latencies.sorted()
        let p99 = sorted.isEmpty ? .zero : sorted[min(sorted.count - 1, (sorted.count * 99) / 100)]
        let outcome = AbuseOutcome(peakRSSBytes: state.peaks.withLock { $0 }, normalRequests: latencies.count,
                                   normalFailures: failures, normalP99: p99, ledger: ledger)
        let rss = names.map { name in
            "\(name)=" + (outcome.peakRSSBytes[name].map { String(format: "%.1f", Double($0) / 1_048_576) } ?? "-")
        }.joined(separator: " ")
        print("abuse: \(name) peak RSS \(rss) MiB; normal p99=\(milliseconds(p99)) ms n=\(latencies.count) failures=\(failures.count)")
        return outcome
    }

    /// `duration` in milliseconds with one decimal.
    public static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    /// What the sampler, the attack and the normal client share.
    private final class RunState: Sendable {
        let peaks = Mutex<[String: Int]>([:])
        let sampling = Atomic<Bool>(true)
        let attackDone = Atomic<Bool>(false)
    }

    /// A `kB` field of /proc/PID/status (`VmRSS`, `VmHWM`).
    public static func statusKilobytes(pid: Int32, field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }
}
