import Foundation
import Testing
import TestSupport

/// A real process pinned with `taskset -c 0` runs one event loop, whatever the host's core count
/// (issue 22, item 11); `EVENT_LOOPS` still overrides.
@Suite(.serialized) struct EventLoopCountProcessTests {
    static let taskset = "/usr/bin/taskset"

    /// The loop count from the process's `listening` log line.
    static func loops(_ process: ServiceProcess) -> Int? {
        guard let line = process.log.split(separator: "\n").first(where: { $0.contains("msg=listening") }),
              let field = line.split(separator: " ").first(where: { $0.hasPrefix("loops=") }) else { return nil }
        return Int(field.dropFirst("loops=".count))
    }

    /// Its threads named for the server's loops (`http-0`, `http-1`, ...).
    static func loopThreads(_ pid: Int32) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.count { task in
            let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? ""
            return name.hasPrefix("http-")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: taskset)), .timeLimit(.minutes(1)))
    func aProcessPinnedToOneCPURunsOneLoopUnlessEventLoopsSaysOtherwise() async throws {
        let folder = try TemporaryFolder("loops")
        defer { folder.remove() }
        // (service, EVENT_LOOPS, expected loops, why): stock's server makes its own loops, the
        // gateway's are made first and shared with its upstream clients (ServiceHost.makeEventLoops).
        let rows: [(String, String?, Int, String)] = [
            ("stock", nil, 1, "pinned: one loop"),
            ("gateway", nil, 1, "pinned: one loop, shared with the upstream pools"),
            ("stock", "3", 3, "EVENT_LOOPS overrides"),
        ]
        for (service, override, expected, why) in rows {
            var environment = ["DATABASE_PATH": folder.path + "/stock.sqlite", "API_KEY": "", "LOG_LEVEL": "info"]
            environment["EVENT_LOOPS"] = override ?? ""
            let process = try await ServiceProcess(service, environment: environment, logFolder: folder.path,
                                                   launcher: [Self.taskset, "-c", "0"])
            try await process.stopAfter {
                #expect(Self.loops(process) == expected, "\(service), \(why): \(process.log)")
                #expect(Self.loopThreads(process.pid) == expected, "\(service), \(why): threads named http-N")
            }
        }
    }
}
