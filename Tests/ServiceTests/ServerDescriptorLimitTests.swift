import Foundation
import TestSupport
import Testing

/// A server whose descriptor table is full (API.md "Every process": limits on every size and wait).
/// `accept` then fails with EMFILE while the listener stays readable; a loop that only retries
/// wakes at once, forever, and burns a core. The connections beyond the limit must wait in the
/// kernel's backlog with the loop asleep, and be served as soon as descriptors free up.
@Suite(.serialized) struct ServerDescriptorLimitTests {
    @Test(.timeLimit(.minutes(1)))
    func aFullDescriptorTableLeavesTheLoopIdleAndAcceptingResumesWhenOneFrees() async throws {
        let folder = try TemporaryFolder("fd-limit")
        defer { folder.remove() }
        let stock = try await ServiceProcess("stock", environment: [
            "DATABASE_PATH": folder.path + "/stock.sqlite", "EVENT_LOOPS": "1", "LOG_LEVEL": "warning",
        ], logFolder: folder.path, descriptorLimit: 64)
        do {
            try await check(stock)
        } catch {
            await stock.stop()
            throw error
        }
        await stock.stop()
    }

    private func check(_ stock: ServiceProcess) async throws {
        // More connections than the 64 descriptors (the database and the loop hold some): the
        // kernel completes every handshake, and what the service cannot accept waits in its backlog.
        var clients: [RawClient] = []
        for _ in 0..<96 { clients.append(try RawClient(port: stock.port)) }
        try await Task.sleep(for: .milliseconds(300))
        let before = stock.cpuSeconds
        try await Task.sleep(for: .seconds(1))
        let used = stock.cpuSeconds - before
        #expect(used < 0.3, "\(used) s of CPU in 1 s with nothing to do but a full descriptor table")

        // The newest connection is still in the backlog. Closing accepted ones frees descriptors,
        // and it is accepted and answered without any further event of its own.
        let waiting = clients.removeLast()
        for client in clients.prefix(48) { client.close() }
        #expect(waiting.send("GET /health HTTP/1.1\r\nHost: stock\r\n\r\n"))
        let reply = waiting.readResponse(timeout: .seconds(5))
        #expect(reply?.status == 200, "backlogged connection: \(reply.map { "\($0)" } ?? "no answer")")
        #expect(stock.isRunning)
    }
}
