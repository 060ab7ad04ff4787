import Foundation
import TestSupport
import Testing

/// A service that runs into the process's resource limits keeps serving.
@Suite(.serialized) struct ServerResourceLimitTests {
    /// With the descriptor table full, `accept` fails with EMFILE while the listener stays readable;
    /// a loop that only retries wakes at once, forever, and burns a core. The connections beyond
    /// the limit must wait in the kernel's backlog with the loop asleep, and be served as soon as
    /// descriptors free up.
    @Test(.timeLimit(.minutes(1)))
    func aFullDescriptorTableLeavesTheLoopIdleAndAcceptingResumesWhenOneFrees() async throws {
        let folder = try TemporaryFolder("fd-limit")
        defer { folder.remove() }
        let stock = try await ServiceProcess("stock", environment: [
            "DATABASE_PATH": folder.path + "/stock.sqlite", "EVENT_LOOPS": "1", "LOG_LEVEL": "warning",
        ], logFolder: folder.path, resourceLimits: ["--nofile=64:64"])
        try await stock.stopAfter { try await check(stock) }
    }

    /// A log file that reaches RLIMIT_FSIZE (the stand-in for a full disk under the log): the
    /// write that crosses it fails with EFBIG and raises SIGXFSZ, whose default action kills the
    /// process. Today every thread that writes (the loops, GRDB's and Dispatch's) has signals
    /// blocked, so the signal stays pending and only the line is lost; this keeps it that way.
    @Test(.timeLimit(.minutes(1)))
    func aLogThatCannotGrowDoesNotStopTheService() async throws {
        let folder = try TemporaryFolder("fsize-limit")
        defer { folder.remove() }
        let limit = 64 * 1024
        let stock = try await ServiceProcess("stock", environment: [
            "DATABASE_PATH": folder.path + "/stock.sqlite", "EVENT_LOOPS": "1", "LOG_LEVEL": "info",
        ], logFolder: folder.path, resourceLimits: ["--fsize=\(limit):\(limit)"])
        try await stock.stopAfter {
            let client = TestClient(port: stock.port, timeout: .seconds(2))
            var answered = 0
            // An access line is about 200 bytes: 1,000 requests write three times the limit.
            let deadline = ContinuousClock.now + .seconds(30)
            for _ in 0..<1_000 where ContinuousClock.now < deadline {
                guard let reply = try? await client.get("/health"), reply.status == 200 else { break }
                answered += 1
            }
            let logSize = (try? FileManager.default.attributesOfItem(atPath: stock.logPath)[.size] as? Int) ?? 0
            #expect(logSize >= limit - 1024, "the log reached \(logSize) bytes, short of the \(limit) limit: nothing was tested")
            #expect(answered == 1_000, "answered \(answered) of 1,000 requests")
            #expect(stock.isRunning)
        }
    }

    private func check(_ stock: ServiceProcess) async throws {
        // More connections than the 64 descriptors (the database and the loop hold some): the
        // kernel completes every handshake, and what the service cannot accept waits in its backlog.
        var clients: [RawClient] = []
        for _ in 0..<96 { clients.append(try RawClient(port: stock.port)) }
        // Until the service has accepted all it can (it accepts on its own loop, at its own pace).
        let full = await Eventually.holds { (stock.openDescriptors ?? 0) >= 62 }
        let open = try #require(stock.openDescriptors)
        #expect(full, "only \(open) of 64 descriptors in use: the table was not full, nothing was tested")
        let before = try #require(stock.cpuSeconds)
        try await Task.sleep(for: .seconds(1))  // kept: the window the CPU use is measured over
        let used = try #require(stock.cpuSeconds) - before
        #expect(used < 0.3, "\(used) s of CPU in 1 s with nothing to do but a full descriptor table")

        // The newest connection is still in the backlog. Closing every accepted one frees
        // descriptors, and it is accepted and answered without any further event of its own.
        let waiting = clients.removeLast()
        for client in clients { client.close() }
        #expect(waiting.send("GET /health HTTP/1.1\r\nHost: stock\r\n\r\n"))
        let reply = waiting.readResponse(timeout: .seconds(5))
        #expect(reply?.status == 200, "backlogged connection: \(reply.map { "\($0)" } ?? "no answer")")
        #expect(stock.isRunning)
    }
}
