import Foundation
import Testing
import HTTP
import Routing
import ServiceKit
@testable import AuthService
@testable import GatewayService
@testable import StockService
@testable import TradeService

/// The route tables the routers are built from, against `openapi.yaml`'s paths: every operation
/// is served by exactly the service whose table lists it, with a token exactly where the spec
/// declares `security`, and the gateway relays each one to its service, checking the token
/// itself exactly there.
@Suite("Route tables")
struct RouteTableTests {
    struct Operation: Hashable, CustomStringConvertible {
        let method: String
        let path: String
        let token: Bool

        var description: String { "\(method) \(path)\(token ? " token" : "")" }
    }

    /// The operations of `openapi.yaml`: its path keys, their methods, and whether each declares
    /// `security`. Read as text (two-space YAML indentation, as the file is written).
    static func specOperations() throws -> [Operation] {
        let root = try #require(SuiteTests.packageRoot(), "no Package.swift above \(#filePath)")
        let text = try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        var operations: [Operation] = []
        var inPaths = false
        var path: String? = nil
        var method: String? = nil
        var token = false
        func close() {
            if let path, let method { operations.append(Operation(method: method, path: path, token: token)) }
            method = nil
            token = false
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty {
                close()
                inPaths = line == "paths:"
                path = nil
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /") && !line.hasPrefix("   ") {
                close()
                path = String(line.dropFirst(2).dropLast())  // "  /auth/me:" → "/auth/me"
            } else if line.hasPrefix("    ") && !line.hasPrefix("     "), line.hasSuffix(":"),
                      ["get", "put", "post", "delete", "patch"].contains(line.dropFirst(4).dropLast()) {
                close()
                method = line.dropFirst(4).dropLast().uppercased()
            } else if line.hasPrefix("      security:") {
                token = true
            }
        }
        close()
        return operations
    }

    static func operations<Endpoints>(_ table: [Route<Endpoints>]) -> [Operation] {
        table.map { Operation(method: $0.method, path: $0.pattern, token: $0.access == .token) }
    }

    @Test("each service's table, with /health and /metrics, is exactly the spec's operations under its prefix")
    func servicesMatchTheSpec() throws {
        let spec = try Self.specOperations()
        #expect(spec.count >= 10, "parsed \(spec)")
        let standard = Self.operations(ServiceHost.standardRoutes)
        let services: [(prefix: String, table: [Operation])] = [
            ("/auth", Self.operations(AuthService.routes)),
            ("/stocks", Self.operations(StockService.routes)),
            ("/trade", Self.operations(TradeService.routes)),
        ]
        for (prefix, table) in services {
            #expect(table.allSatisfy { $0.path == prefix || $0.path.hasPrefix(prefix + "/") }, "\(prefix): \(table)")
        }
        let served = standard + services.flatMap(\.table)
        #expect(Set(served) == Set(spec), "in the tables only: \(Set(served).subtracting(spec)); in the spec only: \(Set(spec).subtracting(served))")
        #expect(served.count == Set(served).count, "no operation is served twice")
    }

    /// Denies every token: what the gateway does with a request that has none.
    struct NoTokens: Authenticator {
        func knownUser(for request: HTTPRequest) -> AuthenticatedUser? { nil }
        func verifiedUser(for request: HTTPRequest) async throws -> AuthenticatedUser {
            throw HTTPError.unauthorized("A Bearer token is required.")
        }
    }

    @Test("the gateway relays every spec operation to its service and checks the token first exactly where the spec says")
    func gatewayMatchesTheSpec() async throws {
        var builder = RouterBuilder()
        builder.add(ServiceHost.standardRoutes, endpoints: .init(health: ServiceHost.plainHealth))
        for route in GatewayService.routes {
            builder.on(route.method, route.pattern, route.access, .responder { _, reply in
                reply.send(HTTPResponse(status: 299, body: Array((reply.context.route ?? "-").utf8)))
            })
        }
        builder.add(AuthenticationMiddleware(NoTokens()))
        let router = builder.build()
        for operation in try Self.specOperations() {
            let path = operation.path.replacingOccurrences(of: "{symbol}", with: "AAPL")
            let response = await router.respond(HTTPRequest(method: operation.method, target: path))
            let relayedBy = String(decoding: response.body, as: UTF8.self)
            if operation.path == "/health" || operation.path == "/metrics" {
                #expect(response.status == 200, "\(operation): answered by the gateway itself")
            } else if operation.token {
                #expect(response.status == 401, "\(operation): the gateway checks the token before relaying")
            } else {
                #expect(response.status == 299, "\(operation): relayed without a token")
                let prefix = "/" + (path.split(separator: "/").first ?? "")
                #expect(relayedBy.hasPrefix(prefix), "\(operation): relayed by \(relayedBy)")
            }
        }
    }

    @Test("the tables print as the docs show them")
    func summaries() {
        let gateway = GatewayService.routes.map(\.summary)
        for row in ["* /auth/** token on /auth/me", "* /stocks open", "* /stocks/** open", "* /trade/** token"] {
            #expect(gateway.contains(row), "\(gateway)")
        }
        #expect(TradeService.routes.allSatisfy { $0.access == .token }, "API.md: every trade route needs a Bearer token")
    }
}
