import Foundation
import Synchronization
import Testing
import HTTP
import Routing
import Sockets
import TestSupport

/// Route access, the authentication middleware, prefix patterns, and where each endpoint kind runs.
@Suite("Router access and endpoints", .timeLimit(.minutes(1)))
struct RouterAccessTests {
    /// Knows `Bearer known` at once (a cached token), `Bearer fresh` after a suspension (one
    /// verified now); anything else is 401. Counts the verifications that suspended.
    final class FakeAuthenticator: Authenticator {
        let verifications = Atomic(0)

        func knownUser(for request: HTTPRequest) -> AuthenticatedUser? {
            request.headers["Authorization"] == "Bearer known" ? AuthenticatedUser(id: 1, username: "known") : nil
        }

        func verifiedUser(for request: HTTPRequest) async throws -> AuthenticatedUser {
            verifications.add(1, ordering: .relaxed)
            await Task.yield()
            if let user = knownUser(for: request) { return user }
            guard request.headers["Authorization"] == "Bearer fresh" else { throw HTTPError.unauthorized("The token is invalid.") }
            return AuthenticatedUser(id: 2, username: "fresh")
        }
    }

    static func router(_ authenticator: FakeAuthenticator, reached: Counter) -> Router {
        var builder = RouterBuilder()
        builder.add(AuthenticationMiddleware(authenticator))
        let whoAmI: Handler = { _, context in
            reached.increment()
            return HTTPResponse(status: 200, body: Array("user=\(context.user?.username ?? "-")".utf8))
        }
        builder.on("GET", "/private", .token, .handler(whoAmI))
        builder.on("*", "/proxy/**", .tokenOn(["/proxy/me"]), .responder { request, reply in
            reached.increment()
            reply.send(HTTPResponse(status: 200, body: Array("\(request.path) user=\(reply.context.user?.username ?? "-")".utf8)))
        })
        builder.on("GET", "/public", .open, .handler(whoAmI))
        return builder.build()
    }

    static let rows: [(method: String, target: String, token: String?, status: Int, body: String?, why: String)] = [
        ("GET", "/private", nil, 401, nil, "a token route without a token"),
        ("GET", "/private", "Bearer forged", 401, nil, "a token that does not verify"),
        ("GET", "/private", "Bearer known", 200, "user=known", "a cached token, no suspension"),
        ("GET", "/private", "Bearer fresh", 200, "user=fresh", "a token verified now"),
        ("POST", "/private", nil, 405, nil, "the wrong method is 405 before any token check"),
        ("GET", "/nowhere", nil, 404, nil, "an unknown path is 404, not 401"),
        ("GET", "/public", "Bearer forged", 200, "user=-", "an open route ignores the token"),
        ("POST", "/proxy/me", nil, 401, nil, "tokenOn guards its path whatever the method"),
        ("GET", "/proxy/me?x=1", "Bearer fresh", 200, "/proxy/me user=fresh", "the query is not part of the path"),
        ("GET", "/proxy/other", nil, 200, "/proxy/other user=-", "tokenOn leaves the route's other paths open"),
        ("GET", "/proxy", nil, 200, "/proxy user=-", "** matches no segment at all"),
        ("GET", "/proxy/", nil, 200, "/proxy/ user=-", "** matches one empty segment"),
        ("GET", "/proxyx", nil, 404, nil, "** needs a segment boundary"),
    ]

    @Test(arguments: rows.indices)
    func accessDecidesBeforeTheEndpoint(_ index: Int) async throws {
        let row = Self.rows[index]
        let reached = Counter()
        let authenticator = FakeAuthenticator()
        var headers = HTTPHeaders()
        if let token = row.token { headers.add("Authorization", token) }
        let response = await Self.router(authenticator, reached: reached)
            .respond(HTTPRequest(method: row.method, target: row.target, headers: headers))
        #expect(response.status == row.status, "\(row.why)")
        if let body = row.body { #expect(String(decoding: response.body, as: UTF8.self) == body, "\(row.why)") }
        #expect(reached.value == (row.status == 200 ? 1 : 0), "\(row.why): the endpoint runs only when allowed")
        if row.status == 401 { #expect(response.headers["WWW-Authenticate"] == "Bearer", "\(row.why)") }
        if row.token == "Bearer known" {
            #expect(authenticator.verifications.load(ordering: .relaxed) == 0, "\(row.why): nothing awaited")
        }
    }

    @Test("a responder answers on the loop thread with no task; a handler runs in a task on that loop")
    func endpointKinds() async throws {
        var builder = RouterBuilder()
        builder.on("GET", "/sync", .open, .responder { _, reply in
            let task = withUnsafeCurrentTask { $0 != nil }
            reply.send(HTTPResponse(status: 200, body: Array("task=\(task) loop=\(EventLoop.current != nil)".utf8)))
        })
        builder.get("/async") { _, _ in
            let task = withUnsafeCurrentTask { $0 != nil }
            return HTTPResponse(status: 200, body: Array("task=\(task) loop=\(EventLoop.current != nil)".utf8))
        }
        let server = try HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, loopCount: 1,
                                                         limits: HTTPServerTests.limits()),
                                    responder: builder.build())
        let port = server.port
        try await rawBlocking {
            let client = try RawClient(port: port)
            client.send(RawRequest.make("GET", "/sync"))
            #expect(client.readResponse()?.text == "task=false loop=true")
            client.send(RawRequest.make("GET", "/async"))
            #expect(client.readResponse()?.text == "task=true loop=true")
        }
        await server.shutdown()
    }
}
