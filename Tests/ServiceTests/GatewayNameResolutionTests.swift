import Foundation
import Testing
import TestSupport

/// Upstreams named by host name (as compose names them) are reached through the resolver threads
/// and its cache (issue 22, item 10); `HostResolverTests` covers blocking and failing lookups.
@Suite(.serialized) struct GatewayNameResolutionTests {
    @Test(.timeLimit(.minutes(1)))
    func upstreamsNamedByHostNameAreReached() async throws {
        // A second gateway beside the suite's, told names instead of addresses.
        try await SuiteProcesses.with { suite in
            let named = ["AUTH_URL": "http://localhost:\(suite.ports["auth"]!)",
                         "STOCK_URL": "http://localhost:\(suite.ports["stock"]!)",
                         "TRADE_URL": "http://localhost:\(suite.ports["trade"]!)"]
            let gateway = try await ServiceProcess("gateway", environment: named.merging(
                ["JWT_SECRET": suite.secret, "RATE_LIMIT_RPS": "0", "LOG_LEVEL": "info"]) { $1 }, logFolder: suite.folder.path)
            try await gateway.stopAfter {
                let client = TestClient(port: gateway.port, timeout: .seconds(10))
                for _ in 0..<3 {
                    let quote = try await client.get("/stocks/AAPL")
                    #expect(quote.status == 200, "\(quote.text)")
                }
                let health = try await client.get("/health")
                #expect(health.status == 200, "\(health.text)")
                let registered = try await client.post("/auth/register",
                                                       json: #"{"username":"\#(SuiteProcesses.uniqueUsername("named"))","password":"named hosts 1"}"#)
                #expect(registered.status == 201, "\(registered.text)")
            }
        }
    }
}
