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

            let gatewayProcess = try #require(suite.process("gateway"))
            let start = ContinuousClock.now
            gatewayProcess.signal(SIGTERM)
            #expect(await gatewayProcess.waitForExit(timeout: .seconds(10)))
            let gatewayTook = ContinuousClock.now - start
            #expect(gatewayProcess.exitStatus == 0)
            #expect(gatewayTook < .seconds(5), "the gateway took \(gatewayTook): it waited for its streams")
            for client in gateway { #expect(try await rawBlocking { client.awaitEnd(timeout: .seconds(2)) }) }

            let stock = try #require(suite.process("stock"))
            let stockStart = ContinuousClock.now
            stock.signal(SIGTERM)
            #expect(await stock.waitForExit(timeout: .seconds(10)))
            let stockTook = ContinuousClock.now - stockStart
            #expect(stock.exitStatus == 0)
            #expect(stockTook < .seconds(5), "stock took \(stockTook): it waited for its stream")
            #expect(try await rawBlocking { direct.awaitEnd(timeout: .seconds(2)) })
        }
    }
}
