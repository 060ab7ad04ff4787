import Foundation
import LoadGeneration
import Money
import Testing
import TestSupport

/// `loadgen` against the four real processes on loopback: a short run verifies, and verification
/// fails, naming the user and the difference, when the run's record or the ledger is changed
/// between the run and the check.
@Suite(.serialized)
struct LoadGeneratorSuiteTests {
    private static let orderHeavy = OperationMix(parsing: "quote=30,portfolio=10,account=10,history=10,buy=20,sell=20")!

    @Test func aShortRunVerifiesAndEveryKindOfTamperingFailsIt() async throws {
        try await SuiteProcesses.with { suite in
            var options = LoadOptions()
            options.baseURL = "http://127.0.0.1:\(suite.gatewayPort)"
            options.users = 12
            options.rate = 120
            options.duration = .seconds(3)
            options.mix = Self.orderHeavy
            options.progress = false
            options.seed = UInt64.random(in: 1...1_000_000)
            let generator = try LoadGenerator(options: options)
            var result = try await generator.run()
            let verification = await generator.verify(&result)
            let report = generator.report(result, verification: verification)
            #expect(verification.passed, "\(verification.problems)\n\(suite.allLogs.suffix(3000))")
            #expect(verification.usersChecked == 12)
            #expect(report.passed, "\(report.operations.map { ($0.name, $0.outcomes) })")
            let orders = result.users.flatMap(\.orders)
            #expect(orders.count >= 20, "\(orders.count) orders in 3 s at 120 req/s, 40% orders")
            #expect(orders.contains { $0.side == .sell })
            #expect(verification.ordersChecked == orders.count)
            // Every second of the timed part has its point per operation.
            #expect(report.operations.first { $0.name == "quote" }?.timeline.count ?? 0 >= 3)

            let userIndex = try #require(result.users.firstIndex { !$0.orders.isEmpty })
            let user = result.users[userIndex]
            let name = user.username

            // A recorded 201 says one cent more than the server charged.
            var dearer = result
            let total = dearer.users[userIndex].orders[0].total
            dearer.users[userIndex].orders[0].total = Cents(minorUnits: total.minorUnits + 1)
            let dearerOutcome = await generator.verify(&dearer)
            #expect(!dearerOutcome.passed)
            #expect(dearerOutcome.problems.contains { $0.hasPrefix("\(name): cash ") && $0.contains("(difference ") },
                    "\(dearerOutcome.problems)")
            #expect(dearerOutcome.problems.contains { $0.hasPrefix("\(name): transaction #\(user.orders[0].id) total is \(total) in the ledger") },
                    "\(dearerOutcome.problems)")
            #expect(dearerOutcome.problems.allSatisfy { $0.hasPrefix("\(name):") })

            // A 201 the run never recorded: the ledger holds an order that no answer reported.
            var forgetful = result
            let forgotten = forgetful.users[userIndex].orders.removeLast()
            let forgetfulOutcome = await generator.verify(&forgetful)
            #expect(!forgetfulOutcome.passed)
            #expect(forgetfulOutcome.problems.contains { $0 == "\(name): transaction \(forgotten.summary) is in the ledger but no 201 of this run reported it (doubled or foreign order)" },
                    "\(forgetfulOutcome.problems)")

            // A 201 recorded twice: doubled.
            var doubled = result
            doubled.users[userIndex].orders.append(forgotten)
            let doubledOutcome = await generator.verify(&doubled)
            #expect(doubledOutcome.problems.contains { $0 == "\(name): order #\(forgotten.id) answered 201 twice in this run (doubled)" },
                    "\(doubledOutcome.problems)")

            // The ledger changes behind the run's back: one more buy through the API.
            let client = suite.gateway()
            let extra = try await client.post("/trade/buy", json: #"{"symbol":"KO","quantity":1}"#, token: user.token)
            try #require(extra.status == 201, "\(extra.text)")
            var untouched = result
            let ledgerOutcome = await generator.verify(&untouched)
            #expect(!ledgerOutcome.passed)
            #expect(ledgerOutcome.problems.contains { $0.hasPrefix("\(name): transaction #\(extra.int("id") ?? -1) buy 1 KO") },
                    "\(ledgerOutcome.problems)")
            #expect(ledgerOutcome.problems.contains { $0.hasPrefix("\(name): cash \(extra.string("cash_after") ?? "?") per GET /trade/account") },
                    "\(ledgerOutcome.problems)")
            #expect(ledgerOutcome.problems.contains { $0.hasPrefix("\(name): KO quantity ") })
            await generator.shutdown()
        }
    }

    @Test func theCommandRunsPrintsTheReportWritesJSONAndHTMLAndExitsZero() async throws {
        try await SuiteProcesses.with { suite in
            let folder = try TemporaryFolder("loadgen")
            defer { folder.remove() }
            let json = folder.path + "/report.json", html = folder.path + "/report.html", output = folder.path + "/out.log"
            let binary = ServiceProcess.binaryFolder.appendingPathComponent("loadgen").path
            let process = try ChildProcess(executable: binary, arguments: [
                "--url", "http://127.0.0.1:\(suite.gatewayPort)", "--users", "3", "--rate", "60", "--duration", "2s",
                "--seed", String(UInt64.random(in: 1...1_000_000)), "--json", json, "--html", html,
            ], environment: ProcessInfo.processInfo.environment, outputPath: output)
            let deadline = ContinuousClock.now + .seconds(30)
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            let log = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            try #require(!process.isRunning, "loadgen did not finish: \(log)")
            #expect(process.terminationStatus == 0, "\(log)")
            #expect(log.contains("verification passed: 3 users"), "\(log)")
            #expect(log.contains("2s  "), "a progress line a second: \(log)")
            let report = try JSONDecoder().decode(LoadReport.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
            #expect(report.verification?.passed == true)
            #expect(report.operations.map(\.name) == ["quote", "portfolio", "account", "history", "buy", "sell"])
            #expect(report.operations.reduce(0) { $0 + $1.count } > 60)
            let page = try String(contentsOfFile: html, encoding: .utf8)
            #expect(page.contains("<svg"))
            #expect(page.contains("quote: latency (ms)"))
            #expect(!page.contains("<script"))
        }
    }
}
