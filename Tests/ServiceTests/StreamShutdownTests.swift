import Foundation
import Testing
import TestSupport

/// SIGTERM with event streams open (API.md "Every process": exit 0 within 10 s): a stream has no
/// end to wait for, so the drain ends it at once (its last chunk) instead of waiting out the 8 s
/// drain timeout. The real processes, streams through the gateway and straight to stock.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct StreamShutdownTests {
    @Test func sigtermWithOpenStreamsExitsZeroPromptly() async throws {
        try await SuiteProcesses.with { suite in
            let gateway = try (0..<3).map { _ in
                try EventStreamClient(port: suite.gatewayPort, target: "/stocks/stream?symbols=AAPL,MSFT")
            }
            let direct = try EventStreamClient(port: suite.ports["stock"]!, target: "/stocks/stream?symbols=IBM")
            for client in gateway + [direct] {
                #expect(try await rawBlocking { client.readHead()?.status } == 200)
                #expect(try await rawBlocking { client.nextEvent()?.event } == "quote")
            }

            try await Self.terminatesPromptly(try #require(suite.process("gateway")))
            for client in gateway { #expect(try await rawBlocking { client.awaitEnd(timeout: .seconds(2)) }) }
            try await Self.terminatesPromptly(try #require(suite.process("stock")))
            #expect(try await rawBlocking { direct.awaitEnd(timeout: .seconds(2)) })
        }
    }

    /// SIGTERM, then an exit 0 well before the 8 s drain timeout (which waiting for a stream would take).
    static func terminatesPromptly(_ process: ServiceProcess) async throws {
        let start = ContinuousClock.now
        process.signal(SIGTERM)
        #expect(await process.waitForExit(timeout: .seconds(10)))
        let took = ContinuousClock.now - start
        #expect(process.exitStatus == 0)
        #expect(took < .seconds(5), "\(process.name) took \(took): it waited for its streams")
    }
}
