import Foundation
import ServiceKit
import TestSupport
import Testing

/// Invented methods (issue 22, item 1): each used to become a `method` label kept for ever, so
/// `/metrics` grew with every new token. Now any method outside the known set is `_OTHER`, and the
/// access log shows at most 32 bytes of a method.
@Suite(.serialized) struct AbuseMethodTests {
    @Test func knownMethodsKeepTheirLabelOthersAreOther() {
        for method in ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"] {
            #expect(MetricsMethod.label(method) == method)
        }
        for method in ["get", "FOO", "PROPFIND", "GETX", String(repeating: "M", count: 4000)] {
            #expect(MetricsMethod.label(method) == "_OTHER", "\(method.prefix(10))")
        }
        #expect(MetricsMethod.logged("GET") == "GET")
        #expect(MetricsMethod.logged(String(repeating: "M", count: 4000)) == String(repeating: "M", count: 32) + "...")
    }

    @Test func tenThousandInventedMethodsKeepMetricsSmall() async throws {
        try await SuiteProcesses.with { suite in
            let outcome = try await AbuseHarness.run("10,000 distinct methods", suite: suite) {
                // Through the gateway to auth (proxied), to an unmatched path, and straight at auth:
                // every path that records a request. One in a hundred is 4 KB long.
                let targets = [(suite.gatewayPort, "/auth/login"), (suite.gatewayPort, "/nowhere"),
                               (suite.ports["auth"]!, "/auth/login")]
                for (port, path) in targets {
                    let (statuses, elapsed) = try await AbuseFlood.pipeline(port: port, count: 10_000 / targets.count + 1,
                                                                            connections: 4, depth: 64) { index in
                        let method = "M\(index)X" + String(repeating: "Z", count: index % 100 == 0 ? 4000 : 8)
                        return Array("\(method) \(path) HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n".utf8)
                    }
                    print("abuse: methods \(port) \(path): \(statuses) in \(elapsed)")
                    #expect(statuses[0] == nil && statuses.keys.allSatisfy { (400..<500).contains($0) || $0 == 501 },
                            "\(path): \(statuses)")
                }
            }
            AbuseLoginTests.expectHealthy(outcome, suite)
            for name in ["gateway", "auth"] {
                let metrics = try await TestClient(port: suite.ports[name]!).get("/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.body.count < 64 << 10, "\(name) /metrics is \(metrics.body.count) bytes")
                #expect(metrics.text.contains(#"method="_OTHER""#), "\(name)")
                #expect(!metrics.text.contains("M1X"), "\(name): no invented method is a label")
                let longest = suite.log(name).split(separator: "\n").map(\.utf8.count).max() ?? 0
                #expect(longest < 1024, "\(name): a log line of \(longest) bytes")
            }
        }
    }
}
