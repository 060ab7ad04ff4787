import Foundation
import Synchronization
import Testing
import TestSupport

/// Processes of the suite stopping and starting under the gateway: stale pooled connections are
/// never a 502, and SIGTERM drains in-flight requests and exits 0 (API.md "Gateway", "Every process").
@Suite(.serialized)
struct SuiteLifecycleTests {
    @Test func aRestartedUpstreamsClosedPooledConnectionsAreNeverA502() async throws {
        try await SuiteProcesses.with { suite in
            // Several clients at once, so that the gateway pools connections on more than one loop.
            let clients = (0..<4).map { _ in suite.gateway() }
            for _ in 0..<3 {
                let statuses = try await Self.getConcurrently(clients, "/stocks/AAPL")
                try #require(statuses == [200, 200, 200, 200], "before the restart: \(statuses)")
            }
            try await suite.restart("stock")
            var seen: [Int] = []
            for _ in 0..<5 { seen += try await Self.getConcurrently(clients, "/stocks/AAPL") }
            #expect(seen.allSatisfy { $0 == 200 }, "after the restart: \(seen)\n\(suite.log("gateway").suffix(3000))")
        }
    }

    private static func getConcurrently(_ clients: [TestClient], _ target: String) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for client in clients { group.addTask { try await client.get(target).status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// One request of the load loop: when it started and how it ended.
    fileprivate struct Outcome: Sendable {
        let started: ContinuousClock.Instant
        let status: Int?
        let error: String?
    }

    @Test func anUpstreamRestartedUnderLoadIsNeverA502OnceHealthyAgain() async throws {
        try await SuiteProcesses.with { suite in
            let stop = StopFlag()
            let hardDeadline = ContinuousClock.now + .seconds(40)
            let workers = 8
            let log = OutcomeLog()
            let load = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<workers {
                        group.addTask {
                            let client = suite.gateway(timeout: .seconds(5))
                            var count = 0
                            while !stop.isSet && ContinuousClock.now < hardDeadline && count < 20_000 {
                                let started = ContinuousClock.now
                                count += 1
                                do {
                                    let reply = try await client.get("/stocks/AAPL")
                                    log.append(Outcome(started: started, status: reply.status, error: nil))
                                } catch {
                                    log.append(Outcome(started: started, status: nil, error: "\(error)"))
                                    try? await Task.sleep(for: .milliseconds(5))  // kept: paces retries of a refused connect
                                }
                            }
                        }
                    }
                }
            }
            // Until more than 8 requests have been answered that started 300 ms before the restart
            // (what `before` counts below), however long the load takes to get going.
            let going = await Eventually.holds(within: .seconds(15)) {
                let cut = ContinuousClock.now - .milliseconds(300)
                return log.count { $0.started < cut && $0.status != nil } > 8
            }
            #expect(going, "the load never got going")
            let outageStarted = ContinuousClock.now
            var restartError: (any Error)?
            do {
                try await suite.restart("stock")
            } catch {
                restartError = error
            }
            let healthy = ContinuousClock.now
            // A hundred requests started once stock was healthy again, whatever time they take.
            _ = await Eventually.holds(within: .seconds(15)) { log.count { $0.started > healthy } >= 100 }
            stop.set()
            await load.value
            let outcomes = log.all
            if let restartError { throw restartError }

            // Requests well before the signal (a request takes milliseconds; one started just before
            // it may meet the draining service and legitimately fail).
            let before = outcomes.filter { $0.started < outageStarted - .milliseconds(300) }
            let after = outcomes.filter { $0.started > healthy }
            #expect(before.count > 8 && before.allSatisfy { $0.status == 200 }, "before: \(Self.summary(before))")
            #expect(after.count >= 100, "too little load after the restart: \(after.count)")
            #expect(after.allSatisfy { $0.status == 200 },
                    "after stock was healthy again: \(Self.summary(after))\n\(suite.log("gateway").suffix(3000))")
            #expect(after.allSatisfy { $0.status != 502 })
        }
    }

    private static func summary(_ outcomes: [Outcome]) -> String {
        var counts: [String: Int] = [:]
        for outcome in outcomes { counts[outcome.status.map(String.init) ?? outcome.error ?? "?", default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
    }

    @Test func sigtermOfAllFourWithRequestsInFlightExitsZeroAndNeverTruncatesAResponse() async throws {
        // Logins at scrypt N = 2^12 (p = 3) take long enough to still be running when the signal arrives.
        try await SuiteProcesses.with(environment: ["auth": ["SCRYPT_LOG_N": "12"]]) { suite in
            let username = SuiteProcesses.uniqueUsername("drain")
            _ = try await suite.registerAndLogin(username, password: "drain password 1")
            let body = #"{"username":"\#(username)","password":"drain password 1"}"#
            let port = suite.gatewayPort
            let auth = try #require(suite.process("auth"))
            let idleCPU = try #require(auth.cpuSeconds)
            let inFlight = Task {
                await withTaskGroup(of: Result<SuiteRawHTTP.Response, SuiteRawHTTP.Failure>.self) { group in
                    for _ in 0..<20 {
                        group.addTask {
                            await SuiteRawHTTP.sendAsync("POST", "/auth/login", port: port, body: body, timeout: .seconds(15))
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
            }
            // Until auth is hashing (a tenth of a second of CPU more than idle): logins are in flight.
            #expect(await Eventually.holds { (auth.cpuSeconds ?? 0) - idleCPU >= 0.1 }, "auth never started hashing")
            let names = SuiteProcesses.services + ["gateway"]
            let processes = try names.map { name in try #require(suite.process(name), "\(name) is not running") }
            let signalled = ContinuousClock.now
            for process in processes { process.signal(SIGTERM) }
            let exited = await withTaskGroup(of: (String, Bool, Duration).self) { group in
                for process in processes {
                    group.addTask {
                        let done = await process.waitForExit(timeout: .seconds(12))
                        return (process.name, done, ContinuousClock.now - signalled)
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            for (name, done, after) in exited {
                let process = processes.first { $0.name == name }!
                #expect(done && after < .seconds(10), "\(name) took \(after) to exit\n\(process.log.suffix(2000))")
                #expect(done && process.exitStatus == 0, "\(name) exited \(done ? process.exitStatus : -1)\n\(process.log.suffix(2000))")
            }

            let results = await inFlight.value
            var completed = 0
            for result in results {
                switch result {
                case .success(let response):
                    completed += 1
                    #expect(response.header("Content-Length").flatMap(Int.init) == response.body.count)
                    if response.status == 200 {
                        #expect(response.json["access_token"] is String, "a 200 with a broken body: \(response.text)")
                    } else {
                        #expect(response.json["type"] is String, "an error without a problem body: \(response.status) \(response.text)")
                    }
                case .failure(let failure):
                    #expect(failure == .noResponse || failure == .connect(ECONNREFUSED),
                            "a response was cut short: \(failure)")
                }
            }
            #expect(completed > 0, "no request was in flight: \(results)")
        }
    }
}

/// What the load loop's workers have seen so far, read while they run.
private final class OutcomeLog: Sendable {
    private let list = Mutex<[SuiteLifecycleTests.Outcome]>([])
    var all: [SuiteLifecycleTests.Outcome] { list.withLock { $0 } }
    func append(_ outcome: SuiteLifecycleTests.Outcome) { list.withLock { $0.append(outcome) } }
    func count(where matches: (SuiteLifecycleTests.Outcome) -> Bool) -> Int { list.withLock { $0.count(where: matches) } }
}

/// A flag the load loop's workers poll.
private final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}
