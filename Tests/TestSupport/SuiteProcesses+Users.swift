import Foundation

extension SuiteProcesses {
    /// Something the suite answered that a test did not expect.
    public struct Unexpected: Error, CustomStringConvertible {
        public let description: String
    }

    /// Registers `username` through the gateway and logs in; the access token.
    public func registerAndLogin(_ username: String, password: String = "correct horse battery") async throws -> String {
        let client = gateway()
        let credentials = #"{"username":"\#(username)","password":"\#(password)"}"#
        let registered = try await client.post("/auth/register", json: credentials)
        guard registered.status == 201 else { throw Unexpected(description: "register: \(registered.status) \(registered.text)") }
        let login = try await client.post("/auth/login", json: credentials)
        guard login.status == 200, let token = login.string("access_token") else {
            throw Unexpected(description: "login: \(login.status) \(login.text)")
        }
        return token
    }

    /// Waits (at most `timeout`) until `name`'s log contains `text`; whether it does.
    public func waitForLog(_ name: String, containing text: String, timeout: Duration = .seconds(3)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if log(name).contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return log(name).contains(text)
    }

    /// A username no other test uses.
    public static func uniqueUsername(_ prefix: String = "u") -> String {
        prefix + "_" + UUID().uuidString.prefix(8).lowercased()
    }
}

extension SuiteProcesses {
    /// Starts the suite, runs `body`, and stops everything whether `body` threw or not.
    public static func with<T>(environment: [String: [String: String]] = [:], replacing: [String: String] = [:],
                               _ body: (SuiteProcesses) async throws -> T) async throws -> T {
        let suite = try await SuiteProcesses(environment: environment, replacing: replacing)
        do {
            let result = try await body(suite)
            await suite.stopAll()
            return result
        } catch {
            await suite.stopAll()
            throw error
        }
    }
}

/// Reads samples out of a Prometheus text exposition.
public enum SuiteMetrics {
    /// The value of the sample `name{labels...}` whose labels include all of `labels` (any order),
    /// or are exactly `labels` when `exact`; nil when there is none.
    public static func value(_ text: String, _ name: String, _ labels: [String: String] = [:],
                             exact: Bool = false) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let parts = series.split(separator: "{", maxSplits: 1)
            guard parts.first.map(String.init) == name else { continue }
            var found: [String: String] = [:]
            for pair in (parts.count == 2 ? parts[1].dropLast() : "").split(separator: ",") {
                let nameValue = pair.split(separator: "=", maxSplits: 1)
                guard nameValue.count == 2 else { continue }
                found[String(nameValue[0])] = String(nameValue[1].dropFirst().dropLast())
            }
            let matches = exact ? found == labels : labels.allSatisfy { found[$0.key] == $0.value }
            if matches { return Double(line[line.index(after: space)...]) }
        }
        return nil
    }

    /// Whether any sample of `name` (or `name_bucket`/`_sum`/`_count`) carries all of `labels`.
    public static func hasSeries(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Bool {
        [name, name + "_bucket", name + "_sum", name + "_count"].contains { value(text, $0, labels) != nil }
    }
}
