import Foundation
import HTTP
import ServiceKit
import Testing
import TestSupport

/// The gateway as a real process in front of real services (or raw-socket stand-ins): routing,
/// hop-by-hop stripping, the token check before forwarding, 502/504, request ids, metrics
/// (API.md "Gateway", "Every process").
@Suite(.serialized)
struct GatewayTests {
    // MARK: routing

    /// A route and a member of its JSON body that only the owning service produces.
    private static let routedRows: [(target: String, service: String, member: String)] = [
        ("/auth/me", "auth", "username"),
        ("/stocks", "stock", "stocks"),
        ("/stocks/AAPL", "stock", "source"),
        ("/stocks/AAPL/history?days=3", "stock", "prices"),
        ("/trade/account", "trade", "cash"),
        ("/trade/portfolio", "trade", "holdings"),
    ]

    @Test func prefixesReachTheirOwnServiceAndNoOther() async throws {
        try await SuiteProcesses.with { suite in
            let token = try await suite.registerAndLogin(SuiteProcesses.uniqueUsername("route"))
            let client = suite.gateway()
            for row in Self.routedRows {
                let id = "route-\(UUID().uuidString)"
                let reply = try await client.get(row.target, token: token, headers: ["X-Request-ID": id])
                #expect(reply.status == 200, "\(row.target): \(reply.text)")
                #expect(reply.json[row.member] != nil, "\(row.target) should be answered by \(row.service): \(reply.text)")
                #expect(await suite.waitForLog(row.service, containing: "request_id=\(id)"),
                        "\(row.target) did not reach \(row.service)")
                for other in SuiteProcesses.services where other != row.service {
                    #expect(!suite.log(other).contains(id), "\(row.target) also reached \(other)")
                }
            }
        }
    }

    /// Paths that look like a prefix but are not one, and paths no service owns (`/` is the browser
    /// app's page, and `/assets/{version}/` its files: WebAssetsTests; an unknown version is not).
    private static let unroutedTargets = ["/assets/0/app.js", "/index.html", "/nope", "/authx/me", "/stocksx", "/stocks-AAPL", "/trades/account",
                                          "/healthz", "/api/stocks/AAPL"]

    @Test func anythingElseIsA404ProblemFromTheGatewayItself() async throws {
        try await SuiteProcesses.with { suite in
            let client = suite.gateway()
            for target in Self.unroutedTargets {
                let id = "unrouted-\(UUID().uuidString)"
                let reply = try await client.get(target, headers: ["X-Request-ID": id])
                #expect(reply.status == 404, "\(target): \(reply.text)")
                #expect(reply.headers["Content-Type"]?.hasPrefix("application/problem+json") == true, "\(target)")
                #expect(reply.string("type") == "/problems/not-found", "\(target): \(reply.text)")
                #expect(reply.int("status") == 404, "\(target): \(reply.text)")
                #expect(reply.headers["X-Request-ID"] == id)
                #expect(await suite.waitForLog("gateway", containing: "request_id=\(id)"))
                for service in SuiteProcesses.services {
                    #expect(!suite.log(service).contains(id), "\(target) was forwarded to \(service)")
                }
            }
        }
    }

    // MARK: hop-by-hop fields

    private static let hopByHopRequestFields: [(String, String)] = [
        ("Connection", "keep-alive, X-Custom"), ("X-Custom", "a"), ("Keep-Alive", "1"), ("TE", "trailers"),
        ("Upgrade", "foo"), ("Proxy-Connection", "y"), ("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "bank.example"), ("X-Forwarded-Port", "443"), ("X-Real-IP", "6.6.6.6"),
        ("Forwarded", "for=6.6.6.6;proto=https"), ("X-End-To-End", "kept"),
    ]

    @Test func hopByHopFieldsAreStrippedBothWaysAndForwardingFieldsSetByTheEdge() async throws {
        let echo = try SuiteEchoUpstream(.echo)
        defer { echo.stop() }
        try await Self.withStock(echo) { suite in
            let reply = try await SuiteRawHTTP.sendAsync("GET", "/stocks/AAPL?x=1", port: suite.gatewayPort,
                                                         headers: Self.hopByHopRequestFields).get()
            try #require(reply.status == 200, "\(reply.status) \(reply.text)")
            try #require(echo.requestCount == 1)
            let seen = echo.requestHeads[0]
            let lines = seen.components(separatedBy: "\r\n")
            #expect(lines[0] == "GET /stocks/AAPL?x=1 HTTP/1.1")
            let fields = lines.dropFirst().map { line -> (String, String) in
                let colon = line.firstIndex(of: ":")!
                return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            func upstreamSaw(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }
            for name in ["connection", "keep-alive", "te", "upgrade", "proxy-connection", "x-custom", "trailer",
                         "transfer-encoding"] {
                #expect(upstreamSaw(name).isEmpty, "upstream saw \(name): \(seen)")
            }
            #expect(upstreamSaw("x-forwarded-for") == ["127.0.0.1"], "\(seen)")
            #expect(upstreamSaw("x-forwarded-proto") == ["http"], "\(seen)")
            for name in ["x-forwarded-host", "x-forwarded-port", "x-real-ip", "forwarded"] {
                #expect(upstreamSaw(name).isEmpty, "upstream saw the client's \(name): \(seen)")
            }
            #expect(upstreamSaw("x-end-to-end") == ["kept"], "\(seen)")
            let id = try #require(reply.header("X-Request-ID"))
            #expect(upstreamSaw("x-request-id") == [id], "\(seen)")

            #expect(reply.text == seen, "the body must pass unchanged")
            #expect(reply.header("X-Echo") == "yes", "end-to-end response fields pass")
            for name in ["X-Secret", "Keep-Alive", "Upgrade", "Proxy-Connection"] {
                #expect(reply.values(name).isEmpty, "client saw \(name): \(reply.headers)")
            }
            for value in reply.values("Connection") {
                #expect(!value.lowercased().contains("x-secret"), "client saw the upstream's Connection: \(value)")
            }
        }
    }

    /// RFC 9112 §3.2.2: an absolute-form target is accepted, routed on its path, and forwarded in
    /// origin form: the service never sees the client's URI or its authority.
    @Test func anAbsoluteFormTargetIsRoutedOnItsPathAndForwardedInOriginForm() async throws {
        let echo = try SuiteEchoUpstream(.echo)
        defer { echo.stop() }
        try await Self.withStock(echo) { suite in
            let reply = try await SuiteRawHTTP.sendAsync("GET", "HTTP://trading.example:5000/stocks/AAPL?x=1",
                                                         port: suite.gatewayPort).get()
            try #require(reply.status == 200, "\(reply.status) \(reply.text)")
            try #require(echo.requestCount == 1)
            let seen = echo.requestHeads[0]
            #expect(seen.components(separatedBy: "\r\n")[0] == "GET /stocks/AAPL?x=1 HTTP/1.1", "\(seen)")
            #expect(!seen.contains("trading.example"), "\(seen)")
            let other = try await SuiteRawHTTP.sendAsync("GET", "gopher://trading.example/stocks/AAPL", port: suite.gatewayPort).get()
            #expect(other.status == 400, "\(other.status) \(other.text)")
            #expect(echo.requestCount == 1, "a refused target is not forwarded")
        }
    }

    @Test func responseFieldsWithoutAConnectionFieldAreFilteredAsBytesAndPassedVerbatim() async throws {
        let echo = try SuiteEchoUpstream(.echoWithoutConnectionField)
        defer { echo.stop() }
        try await Self.withStock(echo) { suite in
            // HEAD takes the field-by-field path (ReverseProxy.relayed): both paths must agree.
            func check(_ method: String, status: Int, _ values: (String) -> [String]) {
                #expect(status == 200, "\(method)")
                for name in ["Keep-Alive", "Upgrade", "Proxy-Connection", "TE", "Trailer"] {
                    #expect(values(name).isEmpty, "\(method): client saw \(name)")
                }
                #expect(values("X-Request-ID") == ["edge-\(method)"], "\(method)")
                #expect(values("Date").count == 1 && values("Date").first?.hasPrefix("Mon, 01 Jan 2001") == false,
                        "\(method): the date is the gateway's own: \(values("Date"))")
                #expect(values("Content-Length").count == 1, "\(method)")
                #expect(values("X-Echo") == ["Yes, spaced"], "\(method)")
                #expect(values("x-lower") == ["v"], "\(method)")
                #expect(values("Content-Type") == ["text/plain"], "\(method)")
            }
            let get = try await SuiteRawHTTP.sendAsync("GET", "/stocks/AAPL", port: suite.gatewayPort,
                                                       headers: [("X-Request-ID", "edge-GET")]).get()
            check("GET", status: get.status, get.values)
            #expect(get.header("Content-Length") == String(get.body.count))
            #expect(get.text.hasPrefix("GET /stocks/AAPL HTTP/1.1"), "the body passes unchanged")
            let head = try await suite.gateway().send("HEAD", "/stocks/AAPL", headers: ["X-Request-ID": "edge-HEAD"])
            check("HEAD", status: head.status, head.headers.values)
            #expect(head.body.isEmpty)
        }
    }

    /// An upstream that answers something other than HTTP, or closes in the middle of a body, is
    /// a 502 problem; a partial answer is never relayed, and such a request is not repeated.
    @Test(arguments: [SuiteEchoUpstream.Behaviour.garbage, .truncatedBody])
    func aBrokenUpstreamAnswerIs502(_ behaviour: SuiteEchoUpstream.Behaviour) async throws {
        let upstream = try SuiteEchoUpstream(behaviour)
        defer { upstream.stop() }
        try await Self.withStock(upstream) { suite in
            let reply = try await suite.gateway().get("/stocks/AAPL")
            #expect(reply.status == 502, "\(behaviour): \(reply.status) \(reply.text)")
            #expect(reply.string("type") == "/problems/bad-gateway", "\(behaviour)")
            #expect(!reply.text.contains("0123456789"), "no part of the broken body is relayed")
            #expect(upstream.requestCount == 1, "\(behaviour): bytes came back, so the request is not repeated")
        }
    }

    /// The upstream client's parser resumes across reads: an answer that arrives in pieces (the
    /// status line, the fields and the body each cut) is relayed whole, and the connection it came
    /// on serves the next request.
    @Test func anAnswerArrivingInPiecesIsRelayedWholeAndItsConnectionReused() async throws {
        let upstream = try SuiteEchoUpstream(.dribbles)
        defer { upstream.stop() }
        // One gateway loop, so one pool: every request can find the connection the last one freed.
        try await Self.withStock(upstream, oneLoop: true) { suite in
            let client = suite.gateway()
            for symbol in ["AAPL", "MSFT", "IBM"] {
                let reply = try await client.get("/stocks/\(symbol)")
                #expect(reply.status == 200, "\(symbol): \(reply.status) \(reply.text)")
                #expect(reply.text.hasPrefix("GET /stocks/\(symbol) HTTP/1.1\r\n"), "\(symbol): \(reply.text)")
                #expect(reply.text.contains("\r\nX-Forwarded-For: 127.0.0.1"), "the whole echoed head: \(reply.text)")
            }
            // Each answer was complete when its last piece came, so its connection went back to the
            // pool: at most the first request needed a new one.
            let reused = upstream.requestHeads.filter { $0.hasSuffix(SuiteEchoUpstream.reusedMark) }
            #expect(upstream.requestCount == 3 && reused.count >= 2, "\(upstream.requestHeads)")
        }
    }

    /// Bytes after a complete answer were not asked for: the answer is relayed, but the stream is
    /// out of step, so its connection is closed rather than pooled, and the next request goes on a
    /// new one.
    @Test func bytesAfterAnAnswerRetireItsConnection() async throws {
        let upstream = try SuiteEchoUpstream(.trailingBytes)
        defer { upstream.stop() }
        try await Self.withStock(upstream, oneLoop: true) { suite in
            let client = suite.gateway()
            for symbol in ["AAPL", "MSFT"] {
                let reply = try await client.get("/stocks/\(symbol)")
                #expect(reply.status == 200, "\(symbol): \(reply.status) \(reply.text)")
                #expect(reply.text.hasPrefix("GET /stocks/\(symbol) HTTP/1.1\r\n"), "\(symbol): \(reply.text)")
                // The body is the echoed head exactly: the stray bytes are not relayed.
                #expect(reply.text == upstream.requestHeads.last, "\(symbol): \(reply.text)")
            }
            #expect(upstream.requestCount == 2)
            #expect(!upstream.requestHeads.contains { $0.hasSuffix(SuiteEchoUpstream.reusedMark) }, "\(upstream.requestHeads)")
        }
    }

    /// RFC 9112 §6.3 rule 1: an answer to HEAD has no body, whatever its fields say. An upstream
    /// that sends one anyway, late, must not have it read as the next request's answer: the
    /// connection that answered a HEAD is never pooled, so the next request goes on a new one.
    @Test func aBodySentLateAfterAHeadAnswerIsNeverTheNextRequestsAnswer() async throws {
        let upstream = try SuiteEchoUpstream(.bodyAfterHead)
        defer { upstream.stop() }
        try await Self.withStock(upstream, oneLoop: true) { suite in
            let client = suite.gateway()
            let head = try await client.send("HEAD", "/stocks/AAPL")
            #expect(head.status == 200 && head.body.isEmpty, "\(head.status)")
            for symbol in ["MSFT", "IBM"] {
                let reply = try await client.get("/stocks/\(symbol)")
                #expect(reply.status == 200, "\(symbol): \(reply.status) \(reply.text)")
                #expect(reply.text.hasPrefix("GET /stocks/\(symbol) HTTP/1.1\r\n"), "\(symbol) got another answer: \(reply.text)")
            }
            // The HEAD's connection was retired; the GETs then shared one pooled connection.
            #expect(upstream.requestHeads.filter { $0.hasSuffix(SuiteEchoUpstream.reusedMark) }.count == 1, "\(upstream.requestHeads)")
        }
    }

    /// Runs the suite with `upstream` as the stock service and nothing listening behind auth and
    /// trade. `oneLoop`: a single gateway loop, so a single upstream pool (tests of reuse).
    private static func withStock<T>(_ upstream: SuiteEchoUpstream, oneLoop: Bool = false,
                                     _ body: (SuiteProcesses) async throws -> T) async throws -> T {
        let closed = "http://127.0.0.1:\(try FakeProvider.closedPort())"
        return try await SuiteProcesses.with(environment: oneLoop ? ["gateway": ["EVENT_LOOPS": "1"]] : [:],
                                             replacing: ["stock": upstream.url, "auth": closed, "trade": closed], body)
    }

    // MARK: pooled connections the upstream closed

    /// In order, through one client connection and one gateway loop (one pool): the upstream answers
    /// the first request of each connection and drops the second unanswered.
    private static let reuseRows: [(method: String, key: String?, status: Int, upstreamSaw: Int, why: String)] = [
        ("GET", nil, 200, 1, "a new connection, answered, then pooled"),
        ("GET", nil, 200, 3, "the pooled one is dropped: retried once on a new connection"),
        ("POST", nil, 502, 4, "a POST without Idempotency-Key is not repeated"),
        ("POST", nil, 200, 5, "a new connection again"),
        ("POST", "reuse-key-1", 502, 6, "stock does not honour Idempotency-Key: not repeated (GatewayOrderSafetyTests)"),
        ("GET", nil, 200, 7, "a new connection again"),
        ("HEAD", nil, 200, 9, "HEAD is retried"),
    ]

    @Test func aPooledConnectionClosedBeforeAnyResponseByteIsRetriedOnceWhereSafe() async throws {
        let upstream = try SuiteEchoUpstream(.dropsSecondRequest)
        defer { upstream.stop() }
        try await Self.withStock(upstream, oneLoop: true) { suite in
            let client = suite.gateway()
            for row in Self.reuseRows {
                var headers = HTTPHeaders()
                if let key = row.key { headers.add("Idempotency-Key", key) }
                let reply = try await client.send(row.method, "/stocks/AAPL", headers: headers,
                                                  json: row.method == "POST" ? "{}" : nil)
                #expect(reply.status == row.status, "\(row.method) \(row.why): \(reply.status) \(reply.text)")
                if row.status == 502 { #expect(reply.string("type") == "/problems/bad-gateway") }
                #expect(upstream.requestCount == row.upstreamSaw, "\(row.method) \(row.why)")
            }
            // A key the client names in `Connection` is hop-by-hop: the gateway drops it, so the
            // order it would have protected is no longer safe to send twice. (The HEAD above left
            // no pooled connection: its answer carried a body. A GET pools one.)
            #expect(try await client.get("/stocks/AAPL").status == 200)
            #expect(upstream.requestCount == 10)
            let stripped = try await SuiteRawHTTP.sendAsync(
                "POST", "/stocks/AAPL", port: suite.gatewayPort,
                headers: [("Connection", "Idempotency-Key"), ("Idempotency-Key", "reuse-key-2"),
                          ("Content-Type", "application/json")], body: "{}").get()
            #expect(stripped.status == 502, "\(stripped.status) \(stripped.text)")
            #expect(upstream.requestCount == 11, "dropped once, not repeated")
            #expect(upstream.requestHeads.last?.contains("reuse-key-2") == false, "the key is hop-by-hop here")
        }
    }

    // MARK: the token check before forwarding

    @Test func protectedRoutesWithoutAValidTokenAre401WithoutARoundTrip() async throws {
        let authEcho = try SuiteEchoUpstream(.echo)
        let tradeEcho = try SuiteEchoUpstream(.echo)
        let stockEcho = try SuiteEchoUpstream(.echo)
        defer { [authEcho, tradeEcho, stockEcho].forEach { $0.stop() } }
        try await SuiteProcesses.with(replacing: ["auth": authEcho.url, "stock": stockEcho.url, "trade": tradeEcho.url]) { suite in
            let foreign = try await TokenService(secret: "another-secret-that-is-long-enough-32b")
                .issue(userID: 1, username: "mallory", ttlSeconds: 600)
            let expired = try await TokenService(secret: suite.secret)
                .issue(userID: 1, username: "late", ttlSeconds: 1, now: Date().addingTimeInterval(-3600))
            let badTokens: [(why: String, authorization: String?)] = [
                ("no Authorization", nil), ("garbage token", "Bearer garbage"), ("empty JSON parts", "Bearer e30.e30.AAAA"),
                ("another secret", "Bearer \(foreign)"), ("expired", "Bearer \(expired)"), ("not Bearer", "Basic dTpw"),
            ]
            let client = suite.gateway()
            for target in ["/trade/account", "/auth/me", "/trade/portfolio"] {
                for row in badTokens {
                    let headers = HTTPHeaders(row.authorization.map { [(name: "Authorization", value: $0)] } ?? [])
                    let reply = try await client.get(target, headers: headers)
                    #expect(reply.status == 401, "\(target), \(row.why): \(reply.text)")
                    #expect(reply.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true, "\(target), \(row.why)")
                    #expect(reply.string("type") == "/problems/unauthorized", "\(target), \(row.why)")
                    #expect(reply.headers["Content-Type"]?.hasPrefix("application/problem+json") == true)
                }
            }
            #expect(authEcho.requestCount == 0, "auth saw \(authEcho.requestHeads)")
            #expect(tradeEcho.requestCount == 0, "trade saw \(tradeEcho.requestHeads)")
            let metrics = try await client.get("/metrics").text
            #expect(SuiteMetrics.value(metrics, "upstream_requests_total", ["upstream": "trade"]) == nil)
            #expect(SuiteMetrics.value(metrics, "upstream_requests_total", ["upstream": "auth"]) == nil)

            // The control: a valid token does go through, so the zero above means something.
            let valid = try await TokenService(secret: suite.secret).issue(userID: 7, username: "alice", ttlSeconds: 600)
            let forwarded = try await client.get("/trade/account", token: valid)
            #expect(forwarded.status == 200 && tradeEcho.requestCount == 1, "\(forwarded.status) \(forwarded.text)")
            let me = try await client.get("/auth/me", token: valid)
            #expect(me.status == 200 && authEcho.requestCount == 1, "\(me.status) \(me.text)")
            #expect(tradeEcho.requestHeads.first?.contains("Authorization: Bearer \(valid)") == true,
                    "the token is forwarded for the service to check again")
        }
    }

    /// The gateway relays most requests from its own path (no task, no router) and sends the rest
    /// (a token not seen before, /health, unknown paths) through the router. Both must answer,
    /// log and count alike.
    @Test func theGatewaysOwnPathAndTheRouterAnswerLogAndCountAlike() async throws {
        try await SuiteProcesses.with { suite in
            let token = try await suite.registerAndLogin("twopaths")
            let client = suite.gateway()
            let relayedBefore = SuiteMetrics.value(try await client.get("/metrics").text, "upstream_requests_total",
                                                   ["upstream": "auth", "status": "200"]) ?? 0
            // First use of the token: the router's path verifies it; then it is known.
            let first = try await client.get("/auth/me", token: token, headers: ["X-Request-ID": "router-path-1"])
            let second = try await client.get("/auth/me", token: token, headers: ["X-Request-ID": "own-path-2"])
            for (reply, id) in [(first, "router-path-1"), (second, "own-path-2")] {
                #expect(reply.status == 200, "\(id): \(reply.text)")
                #expect(reply.string("username") == "twopaths", "\(id)")
                #expect(reply.headers["X-Request-ID"] == id)
                #expect(reply.headers["Content-Type"] == first.headers["Content-Type"])
                #expect(await suite.waitForLog("gateway", containing: "method=GET peer=127.0.0.1 request_id=\(id) route=/auth/** status=200"),
                        "\(suite.log("gateway"))")
                #expect(await suite.waitForLog("auth", containing: "request_id=\(id)"), "\(id) reached auth")
            }
            // A token that stopped being valid is not taken from the cache on the own path.
            let garbage = try await client.get("/auth/me", token: token + "x")
            #expect(garbage.status == 401)
            let metrics = try await client.get("/metrics").text
            #expect(SuiteMetrics.value(metrics, "http_requests_total", ["method": "GET", "route": "/auth/**", "status": "200"]) == 2,
                    "\(metrics)")
            #expect(SuiteMetrics.value(metrics, "http_requests_total", ["method": "GET", "route": "/auth/**", "status": "401"]) == 1)
            #expect(SuiteMetrics.value(metrics, "upstream_requests_total", ["upstream": "auth", "status": "200"]) == relayedBefore + 2)
        }
    }

    // MARK: refused and silent upstreams

    @Test func refusedUpstreamIs502AndSilentOneIs504AsProblems() async throws {
        let silent = try SuiteEchoUpstream(.silent)
        defer { silent.stop() }
        let refused = "http://127.0.0.1:\(try FakeProvider.closedPort())"
        try await SuiteProcesses.with(environment: ["gateway": ["UPSTREAM_TIMEOUT_MS": "300"]],
                                      replacing: ["stock": refused, "auth": silent.url, "trade": refused]) { suite in
            let client = suite.gateway()
            let bad = try await client.get("/stocks/AAPL")
            #expect(bad.status == 502, "\(bad.text)")
            #expect(bad.headers["Content-Type"]?.hasPrefix("application/problem+json") == true)
            #expect(bad.string("type") == "/problems/bad-gateway", "\(bad.text)")
            #expect(bad.int("status") == 502)
            #expect(bad.headers["X-Request-ID"]?.isEmpty == false)

            let start = ContinuousClock.now
            let slow = try await client.post("/auth/login", json: #"{"username":"someone","password":"whatever1"}"#)
            let waited = ContinuousClock.now - start
            #expect(slow.status == 504, "\(slow.text)")
            #expect(slow.headers["Content-Type"]?.hasPrefix("application/problem+json") == true)
            #expect(slow.string("type") == "/problems/gateway-timeout", "\(slow.text)")
            #expect(slow.int("status") == 504)
            #expect(waited >= .milliseconds(280) && waited < .seconds(3), "answered after \(waited)")
            #expect(silent.requestCount == 1, "the request did reach the silent upstream")

            let metrics = try await client.get("/metrics").text
            #expect(SuiteMetrics.value(metrics, "upstream_requests_total", ["upstream": "stock", "status": "502"]) == 1)
            #expect(SuiteMetrics.value(metrics, "upstream_requests_total", ["upstream": "auth", "status": "504"]) == 1)
        }
    }

    // MARK: request ids

    @Test func aSaneRequestIDIsEchoedAndLoggedByGatewayAndService() async throws {
        try await SuiteProcesses.with { suite in
            let reply = try await suite.gateway().get("/stocks/AAPL", headers: ["X-Request-ID": "test-abc-123"])
            #expect(reply.status == 200)
            #expect(reply.headers["X-Request-ID"] == "test-abc-123")
            #expect(await suite.waitForLog("gateway", containing: "request_id=test-abc-123"), "\(suite.log("gateway"))")
            #expect(await suite.waitForLog("stock", containing: "request_id=test-abc-123"), "\(suite.log("stock"))")
        }
    }

    @Test func aRequestTheServerRejectsItselfIsLoggedAndCountedWithTheIDItWasSent() async throws {
        try await SuiteProcesses.with { suite in
            let tooLong = "/stocks/" + String(repeating: "A", count: 9_000)
            let reply = try await SuiteRawHTTP.sendAsync("GET", tooLong, port: suite.gatewayPort).get()
            #expect(reply.status == 414, "\(reply.status) \(reply.text)")
            let id = try #require(reply.header("X-Request-ID"))
            #expect(await suite.waitForLog("gateway", containing: "request_id=\(id)"), "\(suite.log("gateway"))")
            let line = suite.log("gateway").split(separator: "\n").first { $0.contains("request_id=\(id)") } ?? ""
            for field in ["method=- ", "route=unmatched ", "status=414", "duration_ms=", "peer=127.0.0.1"] {
                #expect(line.contains(field), "\(field) missing from: \(line)")
            }
            let metrics = try await suite.gateway().get("/metrics").text
            #expect(SuiteMetrics.value(metrics, "http_requests_total", ["method": "-", "route": "unmatched", "status": "414"]) == 1,
                    "\(metrics)")
        }
    }

    private static let insaneIDs: [(id: String, why: String)] = [
        ("test abc", "a space"),
        (String(repeating: "a", count: 200), "200 characters"),
        (String(repeating: "b", count: 129), "one over 128"),
        ("tab\tinside", "a tab"),
    ]

    @Test func anInsaneRequestIDIsReplacedByAFreshOneThatReachesTheService() async throws {
        try await SuiteProcesses.with { suite in
            let client = suite.gateway()
            var fresh: Set<String> = []
            for row in Self.insaneIDs {
                let reply = try await client.get("/stocks/AAPL", headers: ["X-Request-ID": row.id])
                #expect(reply.status == 200, "\(row.why): \(reply.text)")
                let id = try #require(reply.headers["X-Request-ID"], "\(row.why)")
                #expect(id != row.id, "\(row.why)")
                #expect(RequestID.isAcceptable(id), "\(row.why): \(id)")
                fresh.insert(id)
                #expect(await suite.waitForLog("stock", containing: "request_id=\(id)"), "\(row.why): the service got another id")
            }
            #expect(fresh.count == Self.insaneIDs.count, "fresh ids must be unique: \(fresh)")
        }
    }

    // MARK: metrics

    @Test func metricsCountUpstreamRequestsByUpstreamAndStatusWithDurations() async throws {
        try await SuiteProcesses.with { suite in
            let client = suite.gateway()
            for _ in 0..<3 { #expect(try await client.get("/stocks/AAPL").status == 200) }
            #expect(try await client.get("/stocks/NOPE1").status == 404)
            let reply = try await client.get("/metrics")
            #expect(reply.status == 200)
            let text = reply.text
            #expect(SuiteMetrics.value(text, "upstream_requests_total", ["upstream": "stock", "status": "200"]) == 3, "\(text)")
            #expect(SuiteMetrics.value(text, "upstream_requests_total", ["upstream": "stock", "status": "404"]) == 1)
            #expect(SuiteMetrics.hasSeries(text, "upstream_request_duration_seconds", ["upstream": "stock"]), "\(text)")
            #expect(SuiteMetrics.value(text, "upstream_request_duration_seconds_count", ["upstream": "stock"]) == 4)
            #expect(!text.contains("route=\"/stocks/AAPL\""), "routes are patterns, not raw paths")
        }
    }
}
