import Foundation
import HTTP
import Routing
import Testing
@testable import AuthService
@testable import GatewayService
@testable import StockService
@testable import TradeService

/// The problem types the code can answer are exactly those `openapi.yaml` documents: every
/// registered kind is documented (in the description's table and as a `Problem…` schema), every
/// documented kind is registered, with the same status, and no kind has two titles or two statuses.
@Suite struct ProblemRegistryTests {
    /// Every registry: the layers' shared kinds and each service's own.
    static let registered: [(registry: String, kinds: [ProblemType])] = [
        ("HTTPProblems", HTTPProblems.all), ("RoutingProblems", RoutingProblems.all), ("AuthProblems", AuthProblems.all),
        ("StockProblems", StockProblems.all), ("TradeProblems", TradeProblems.all),
        ("GatewayProblems", GatewayProblems.all),
    ]

    /// `(uri, status)` of each row of the description's `| \`/problems/…\` | 400 | … |` table.
    static func documentedTable(_ yaml: String) -> [(uri: String, status: Int)] {
        yaml.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard cells.count >= 3, cells[0].hasPrefix("`/problems/"), cells[0].hasSuffix("`"),
                  let status = Int(cells[1]) else { return nil }
            return (String(cells[0].dropFirst().dropLast()), status)
        }
    }

    /// `(uri, status)` of each `properties: {type: {const: /problems/…}, status: {const: N}}` schema line.
    static func documentedSchemas(_ yaml: String) -> [(uri: String, status: Int)] {
        let pattern = /type: \{const: (\/problems\/[a-z0-9-]+)\}, status: \{const: ([0-9]{3})\}/
        return yaml.split(separator: "\n").compactMap { line in
            guard let match = line.firstMatch(of: pattern), let status = Int(match.2) else { return nil }
            return (String(match.1), status)
        }
    }

    static func openapi() throws -> String {
        let root = try #require(SuiteTests.packageRoot(), "no Package.swift above \(#filePath)")
        return try String(contentsOf: root.appendingPathComponent("openapi.yaml"), encoding: .utf8)
    }

    @Test func eachKindHasOneTitleAndOneStatusAcrossEveryRegistry() {
        var seen: [String: (ProblemType, String)] = [:]
        for (registry, kinds) in Self.registered {
            for kind in kinds {
                #expect(kind.uri.wholeMatch(of: /\/problems\/[a-z0-9-]+/) != nil, "\(registry): \(kind.uri)")
                #expect(!kind.title.isEmpty && (400...599).contains(kind.status), "\(registry): \(kind)")
                if let (earlier, where_) = seen[kind.uri] {
                    #expect(earlier == kind, "\(kind.uri): \(where_) says \(earlier.status) \"\(earlier.title)\", \(registry) says \(kind.status) \"\(kind.title)\"")
                } else {
                    seen[kind.uri] = (kind, registry)
                }
            }
        }
    }

    @Test func openapiDocumentsExactlyTheRegisteredKinds() throws {
        let yaml = try Self.openapi()
        var registered: [String: Int] = [:]
        for (_, kinds) in Self.registered { for kind in kinds { registered[kind.uri] = kind.status } }
        for (name, documented) in [("the Errors table", Self.documentedTable(yaml)), ("the Problem schemas", Self.documentedSchemas(yaml))] {
            #expect(documented.count >= 20, "\(name): only \(documented.count) rows found; did the format change?")
            var byURI: [String: Int] = [:]
            for row in documented {
                #expect(byURI[row.uri] == nil, "\(name) lists \(row.uri) twice")
                byURI[row.uri] = row.status
            }
            for (uri, status) in registered.sorted(by: { $0.key < $1.key }) {
                #expect(byURI[uri] == status, "\(uri) (\(status)) is registered; \(name) says \(byURI[uri].map(String.init) ?? "nothing")")
            }
            for (uri, status) in byURI.sorted(by: { $0.key < $1.key }) where registered[uri] == nil {
                Issue.record("\(name) documents \(uri) (\(status)), which no registry answers")
            }
        }
    }

    /// Every outcome case renders its registry's kind, and the 503s and 429s say when to come back.
    @Test func outcomesRenderTheirRegisteredKind() {
        let trade: [OrderRejection] = [
            .insufficientFunds, .insufficientShares, .orderTooSmall, .amountOverflow, .unknownSymbol("ZZZZ"),
            .priceUnavailable, .idempotencyKeyReused, .idempotencyKeyInFlight, .storageBusy, .timedOut, .queueFull,
        ]
        let auth: [AuthRejection] = [
            .usernameTaken, .invalidCredentials, .tooManyLoginAttempts(retryAfterSeconds: 7),
            .hashingOverloaded(retryAfterSeconds: 2),
        ]
        let stock: [StockRejection] = [
            .unknownSymbol("ZZZZ"), .quoteUnavailable(.budgetSpent(retryAfterSeconds: 42)),
            .quoteUnavailable(.providerRateLimited), .quoteUnavailable(.providerUnavailable),
        ]
        let gateway: [GatewayRejection] = [
            .rateLimited(retryAfterSeconds: 3), .badGateway(upstream: "trade"), .gatewayTimeout(upstream: "trade"),
        ]
        let cases: [any ProblemOutcome] = trade + auth + stock + gateway
        let all = Self.registered.flatMap(\.kinds)
        var outcomes: Set<String> = []
        for outcome in cases {
            let response = HTTPResponse.problem(for: outcome)
            #expect(all.contains(outcome.problemType), "\(outcome) renders \(outcome.problemType), in no registry")
            #expect(response.status == outcome.problemType.status && outcome.problem.type == outcome.problemType.uri)
            #expect(!outcome.detail.isEmpty)
            #expect(outcomes.insert("\(type(of: outcome)).\(outcome.outcome)").inserted, "\(outcome): label \(outcome.outcome) twice")
            let retryAfter = outcome.headers["Retry-After"]
            if outcome.problemType.status == 503 || outcome.problemType.status == 429 {
                #expect(retryAfter.flatMap { Int($0) }.map { $0 >= 1 } == true, "\(outcome): Retry-After \(retryAfter ?? "missing")")
            } else {
                #expect(retryAfter == nil, "\(outcome)")
            }
        }
        #expect(OrderRejection.queueFull.headers["Retry-After"] == "5")
        #expect(StockRejection.quoteUnavailable(.budgetSpent(retryAfterSeconds: 42)).headers["Retry-After"] == "42")
        #expect(OrderRejection.unknownSymbol("ZZZZ").problem == StockRejection.unknownSymbol("ZZZZ").problem,
                "trade passes stock's unknown-symbol on unchanged")
    }
}
