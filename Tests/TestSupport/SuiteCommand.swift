import Foundation

/// Runs a command line (found on `PATH`) to completion, bounded in time, capturing stdout and
/// stderr together; for tests that drive tools such as the Python contract checker.
public enum SuiteCommand {
    /// What the command did.
    public struct Outcome: Sendable {
        /// Its exit status (-1 when it was killed for running too long, or could not start).
        public let status: Int32
        /// stdout and stderr, interleaved as written.
        public let output: String
    }

    /// Runs `arguments` (the first is the program) and waits at most `timeout`, then SIGKILLs it.
    public static func run(_ arguments: [String], currentDirectory: String? = nil,
                           timeout: Duration = .seconds(60)) async throws -> Outcome {
        let folder = try TemporaryFolder("command")
        defer { folder.remove() }
        let outputPath = folder.path + "/output.txt"
        let process: ChildProcess
        do {
            process = try ChildProcess(executable: "/usr/bin/env", arguments: arguments,
                                       environment: ProcessInfo.processInfo.environment, outputPath: outputPath,
                                       currentDirectory: currentDirectory)
        } catch {
            return Outcome(status: -1, output: "could not start \(arguments): \(error)")
        }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        var killed = false
        if process.isRunning {
            process.signal(SIGKILL)
            killed = true
            while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return Outcome(status: killed ? -1 : process.terminationStatus,
                       output: killed ? text + "\n(killed after \(timeout))" : text)
    }
}

/// Compares JSON values regardless of key order and of how numbers were boxed.
public enum SuiteJSON {
    /// `value` serialized with sorted keys (nil when it is not serializable).
    public static func canonical(_ value: Any?) -> String? {
        guard let value, JSONSerialization.isValidJSONObject(value),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
