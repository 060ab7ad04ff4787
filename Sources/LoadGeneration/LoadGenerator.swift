import Foundation

/// A whole run: set-up, the timed open-loop part, verification, and the report. The executable's
/// `main` is ``main(arguments:)``; a test calls the steps one by one, so that it can change what the run
/// recorded before verifying it.
public final class LoadGenerator: Sendable {
    /// What the timed part left: the users (with their orders) and the measurements.
    public struct RunResult: Sendable {
        public var users: [VirtualUser]
        public var stats: [OperationStats]
        public var setupStats: [OperationStats]
        public var unsent: Int
    }

    public let options: LoadOptions
    public let client: SuiteClient

    public init(options: LoadOptions) throws {
        self.options = options
        guard let (host, port) = options.hostAndPort else { throw LoadOptionsError("--url must be http://host:port") }
        client = try SuiteClient(host: host, port: port, timeout: options.timeout)
    }

    /// Registers or signs in every user, reads their baselines, then runs the timed part.
    public func run() async throws(SetupError) -> RunResult {
        var setupStats = LoadOperation.allCases.map(OperationStats.init)
        let setup = SessionSetup(client: client, options: options)
        let market = try await setup.market()
        let users = try await setup.users { sample in
            setupStats[sample.operation.rawValue].record(outcome: sample.outcome, microseconds: sample.microseconds)
        }
        // Keys unique to this run: a rerun with the same seed (and so the same users) must not replay
        // the last run's 201s.
        let runTag = "\(options.effectivePrefix)-\(String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36))"
        let timed = TradingDayRun(client: client, options: options, market: market, users: users,
                                  stats: LoadOperation.allCases.map(OperationStats.init),
                                  start: .now + .milliseconds(50), runTag: runTag)
        await timed.run()
        return RunResult(users: timed.users, stats: timed.stats, setupStats: setupStats, unsent: timed.unsentCount)
    }

    /// Checks every user's books against the run's 201s (settling unknown outcomes first).
    public func verify(_ result: inout RunResult) async -> LedgerVerifier.Outcome {
        await LedgerVerifier(client: client).verify(&result.users)
    }

    /// The report of `result` and its verification.
    public func report(_ result: RunResult, verification: LedgerVerifier.Outcome?) -> LoadReport {
        let seconds = Double(options.duration.components.seconds) + Double(options.duration.components.attoseconds) / 1e18
        let completed = result.stats.reduce(0) { $0 + $1.count }
        return LoadReport(
            url: options.baseURL, users: options.users, targetRate: options.rate, durationSeconds: seconds,
            mix: options.mix.description, seed: options.seed, achievedRate: Double(completed) / seconds,
            unsent: result.unsent,
            setup: result.setupStats.map { LoadReport.operation($0, timeline: false) },
            operations: result.stats.filter { $0.count > 0 || LoadOperation.mixed.contains($0.operation) }
                .map { LoadReport.operation($0, timeline: true) },
            verification: verification.map {
                .init(passed: $0.passed, usersChecked: $0.usersChecked, ordersChecked: $0.ordersChecked,
                      problemCount: $0.problemCount, problems: $0.problems)
            })
    }

    public func shutdown() async {
        await client.shutdown()
    }

    /// The command: parses `arguments`, runs, prints the table (stdout), writes the files, and answers
    /// the exit status: 0 passed, 1 errors or a failed verification, 2 bad flags or no set-up.
    public static func main(arguments: [String]) async -> Int32 {
        let options: LoadOptions
        do {
            options = try LoadOptions.parse(arguments)
        } catch {
            printError(error.description)
            return error.isHelp ? 0 : 2
        }
        let generator: LoadGenerator
        do { generator = try LoadGenerator(options: options) } catch {
            printError("loadgen: \(error)")
            return 2
        }
        var result: RunResult
        do {
            printError("loadgen: setting up \(options.users) users against \(options.baseURL)...")
            result = try await generator.run()
        } catch {
            printError("loadgen: set-up failed: \(error)")
            return 2
        }
        printError("loadgen: verifying...")
        let verification = await generator.verify(&result)
        let report = generator.report(result, verification: verification)
        print(ReportTable.render(report))
        if report.operations.contains(where: { $0.outcomes["429"] != nil }) {
            printError("loadgen: the gateway answered 429: start it with RATE_LIMIT_RPS=0 for a load test")
        }
        do {
            if let path = options.jsonPath { try report.json().write(to: URL(fileURLWithPath: path)) }
            if let path = options.htmlPath { try Data(ReportPage.render(report).utf8).write(to: URL(fileURLWithPath: path)) }
        } catch {
            printError("loadgen: could not write the report: \(error)")
            return 1
        }
        if !report.passed {
            printError("loadgen: FAILED: " + (verification.passed ? "the run had errors" : "verification found \(verification.problemCount) differences"))
            return 1
        }
        return 0
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
