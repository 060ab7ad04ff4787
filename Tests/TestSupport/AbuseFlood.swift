import Foundation

/// Many requests from few connections, as one attacker's laptop sends them: each connection
/// pipelines `depth` requests, reads their answers, and goes on; a closed connection is reopened.
public enum AbuseFlood {
    /// Sends requests `0..<count` (`request(i)` makes request i's bytes) to 127.0.0.1:`port` over
    /// `connections` connections, `depth` at a time on each; how many answers had each status (0 for
    /// a request that got none), and how long it took. Stops early at `deadline`.
    public static func pipeline(port: Int, count: Int, connections: Int, depth: Int, deadline: Duration = .seconds(120),
                                request: @escaping @Sendable (Int) -> [UInt8]) async throws
        -> (statuses: [Int: Int], elapsed: Duration) {
        let started = ContinuousClock.now
        let end = started + deadline
        let statuses = try await withThrowingTaskGroup(of: [Int: Int].self) { group in
            for connection in 0..<connections {
                group.addTask {
                    try await rawBlocking {
                        try Self.drive(port: port, indices: Array(stride(from: connection, to: count, by: connections)),
                                       depth: depth, until: end, request: request)
                    }
                }
            }
            return try await group.reduce(into: [Int: Int]()) { total, part in total.merge(part, uniquingKeysWith: +) }
        }
        return (statuses, ContinuousClock.now - started)
    }

    private static func drive(port: Int, indices: [Int], depth: Int, until end: ContinuousClock.Instant,
                              request: (Int) -> [UInt8]) throws -> [Int: Int] {
        var statuses: [Int: Int] = [:]
        var client = try RawClient(port: port)
        defer { client.close() }
        var next = 0
        while next < indices.count && ContinuousClock.now < end {
            let batch = indices[next..<min(indices.count, next + depth)]
            next += batch.count
            var bytes: [UInt8] = []
            for index in batch { bytes += request(index) }
            _ = client.send(bytes)
            var answered = 0
            while answered < batch.count, let response = client.readResponse(timeout: .seconds(30)) {
                statuses[response.status, default: 0] += 1
                answered += 1
                if response.saysClose { break }
            }
            if answered < batch.count {
                statuses[0, default: 0] += batch.count - answered
                client.close()
                client = try RawClient(port: port)
            }
        }
        return statuses
    }

    /// `POST path` with a JSON body, keep-alive.
    public static func post(_ path: String, json: String) -> [UInt8] {
        let body = Array(json.utf8)
        return Array("POST \(path) HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
    }
}
