import Foundation
import Synchronization
import Testing
import HTTP
import Routing

/// The router in process: no sockets, requests built by hand.
@Suite("Router")
struct RouterTests {
    struct Teapot: Error {}

    static func router(middleware: [any Middleware] = []) -> Router {
        var builder = RouterBuilder()
        for item in middleware { builder.add(item) }
        builder.get("/stocks") { _, _ in HTTPResponse(status: 200, body: Array("list".utf8)) }
        builder.get("/stocks/{symbol}") { _, context in
            HTTPResponse(status: 200, body: Array("symbol=\(context.parameter("symbol")) route=\(context.route ?? "-")".utf8))
        }
        builder.get("/stocks/{symbol}/history") { _, context in
            HTTPResponse(status: 200, body: Array("history=\(context.parameter("symbol"))".utf8))
        }
        builder.post("/trade/buy") { request, _ in HTTPResponse(status: 201, body: request.body) }
        builder.on("DELETE", "/trade/buy") { _, _ in HTTPResponse(status: 204) }
        builder.get("/fail/http") { _, _ in
            throw HTTPError(ProblemType(422, "/problems/insufficient-funds", title: "Insufficient funds"),
                            detail: "Need more cash.", headers: ["X-Hint": "deposit"])
        }
        builder.get("/fail/other") { _, _ in throw Teapot() }
        return builder.build()
    }

    static func problem(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    static let parameterRows: [(target: String, body: String, why: String)] = [
        ("/stocks/AAPL", "symbol=AAPL route=/stocks/{symbol}", "a parameter segment binds its text"),
        ("/stocks/BRK.B?x=1", "symbol=BRK.B route=/stocks/{symbol}", "the query is not part of the path"),
        ("/stocks/caf%C3%A9", "symbol=caf\u{e9} route=/stocks/{symbol}", "percent-encoded UTF-8 is decoded"),
        ("/stocks/a%2Fb", "symbol=a/b route=/stocks/{symbol}", "an encoded slash stays inside the segment"),
        ("/stocks/a%20b", "symbol=a b route=/stocks/{symbol}", "an encoded space"),
        ("/stocks/a+b", "symbol=a+b route=/stocks/{symbol}", "plus is not a space in a path"),
        ("/stocks/MSFT/history", "history=MSFT", "the longer pattern matches by segment count"),
    ]

    @Test("binds and percent-decodes path parameters", arguments: parameterRows)
    func parameters(target: String, body: String, why: String) async {
        let response = await Self.router().respond(HTTPRequest(method: "GET", target: target))
        #expect(response.status == 200, "\(why)")
        #expect(String(decoding: response.body, as: UTF8.self) == body, "\(why)")
    }

    @Test("answers 404 problem+json for an unknown path or a malformed escape",
          arguments: ["/nope", "/stocks/AAPL/history/extra", "/stocks/%zz", "/stocks/%C3", "/Stocks"])
    func notFound(target: String) async throws {
        let response = await Self.router().respond(HTTPRequest(method: "GET", target: target))
        #expect(response.status == 404)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        let problem = try Self.problem(response)
        #expect(problem["status"] as? Int == 404)
        #expect(problem["type"] as? String == "/problems/not-found")
        #expect(problem["title"] as? String != nil && problem["detail"] as? String != nil)
    }

    @Test("answers 405 with Allow listing the path's methods")
    func methodNotAllowed() async throws {
        let wrongMethod = await Self.router().respond(HTTPRequest(method: "PUT", target: "/trade/buy"))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["Allow"] == "POST, DELETE")
        #expect(try Self.problem(wrongMethod)["status"] as? Int == 405)
        let getOnly = await Self.router().respond(HTTPRequest(method: "POST", target: "/stocks"))
        #expect(getOnly.status == 405)
        #expect(getOnly.headers["Allow"] == "GET, HEAD", "a GET route also answers HEAD")
    }

    @Test("answers HEAD with the GET route")
    func headFallsBackToGet() async {
        let response = await Self.router().respond(HTTPRequest(method: "HEAD", target: "/stocks"))
        #expect(response.status == 200)
        #expect(response.body == Array("list".utf8), "the server, not the router, drops a HEAD body")
    }

    /// The steps the tracers took, in order.
    final class Log: Sendable {
        let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    /// Records its steps and tags the response on the way back.
    struct Tracer: Middleware {
        let name: String
        let log: Log

        func before(_ request: HTTPRequest, _ context: inout RequestContext) -> MiddlewareStep {
            log.append("\(name) in")
            return .next
        }

        func after(_ response: inout HTTPResponse, _ context: RequestContext) {
            log.append("\(name) out")
            response.headers.add("X-Trace", name)
        }
    }

    /// Answers every request itself, or throws, before the endpoint.
    struct ShortCircuitMiddleware: Middleware {
        let step: @Sendable () throws -> MiddlewareStep

        func before(_ request: HTTPRequest, _ context: inout RequestContext) throws -> MiddlewareStep { try step() }
    }

    @Test("runs middleware in the order added, outermost first, and around 404s too")
    func middlewareOrder() async {
        let log = Log()
        let router = Self.router(middleware: [Tracer(name: "outer", log: log), Tracer(name: "inner", log: log)])
        let response = await router.respond(HTTPRequest(method: "GET", target: "/stocks"))
        #expect(log.all == ["outer in", "inner in", "inner out", "outer out"])
        #expect(response.headers.values("X-Trace") == ["inner", "outer"])
        let missing = await router.respond(HTTPRequest(method: "GET", target: "/missing"))
        #expect(missing.status == 404)
        #expect(missing.headers.values("X-Trace") == ["inner", "outer"], "404s pass through the middleware")
    }

    @Test("lets middleware answer early without calling the handler; only the middleware outside it sees the answer")
    func middlewareShortCircuit() async {
        let reached = Mutex(false)
        let log = Log()
        var builder = RouterBuilder()
        builder.add(Tracer(name: "outer", log: log))
        builder.add(ShortCircuitMiddleware { .answer(HTTPResponse(status: 401)) })
        builder.add(Tracer(name: "inner", log: log))
        builder.get("/x") { _, _ in reached.withLock { $0 = true }; return HTTPResponse(status: 200) }
        let response = await builder.build().respond(HTTPRequest(method: "GET", target: "/x"))
        #expect(response.status == 401)
        #expect(reached.withLock { $0 } == false)
        #expect(log.all == ["outer in", "outer out"])
    }

    @Test("continues after a suspending middleware, with the context it changed")
    func middlewareSuspends() async {
        struct Slow: Middleware {
            func before(_ request: HTTPRequest, _ context: inout RequestContext) -> MiddlewareStep {
                .suspend { _, context in
                    await Task.yield()
                    context.user = AuthenticatedUser(id: 7, username: "seven")
                }
            }
        }
        var builder = RouterBuilder()
        builder.add(Slow())
        builder.get("/x") { _, context in HTTPResponse(status: 200, body: Array("user=\(context.user?.id ?? 0)".utf8)) }
        builder.on("GET", "/sync", .open, .responder { _, reply in
            reply.send(HTTPResponse(status: 200, body: Array("sync user=\(reply.context.user?.id ?? 0)".utf8)))
        })
        let router = builder.build()
        #expect(await router.respond(HTTPRequest(method: "GET", target: "/x")).body == Array("user=7".utf8))
        #expect(await router.respond(HTTPRequest(method: "GET", target: "/sync")).body == Array("sync user=7".utf8))
    }

    @Test("renders a thrown HTTPError as its problem, with its headers")
    func thrownHTTPError() async throws {
        let response = await Self.router().respond(HTTPRequest(method: "GET", target: "/fail/http"))
        #expect(response.status == 422)
        #expect(response.headers["X-Hint"] == "deposit")
        let problem = try Self.problem(response)
        #expect(problem["type"] as? String == "/problems/insufficient-funds")
        #expect(problem["status"] as? Int == 422)
        #expect(problem["detail"] as? String == "Need more cash.")
    }

    @Test("renders any other error as a generic 500 that names no cause")
    func otherError() async throws {
        let response = await Self.router().respond(HTTPRequest(method: "GET", target: "/fail/other"))
        #expect(response.status == 500)
        let problem = try Self.problem(response)
        #expect(problem["type"] as? String == "/problems/internal-error")
        #expect(!String(decoding: response.body, as: UTF8.self).contains("Teapot"))
    }

    @Test("renders an error thrown by middleware as a problem too")
    func middlewareThrows() async {
        var builder = RouterBuilder()
        builder.add(ShortCircuitMiddleware { throw HTTPError.unauthorized("no token") })
        builder.get("/x") { _, _ in HTTPResponse(status: 200) }
        let response = await builder.build().respond(HTTPRequest(method: "GET", target: "/x"))
        #expect(response.status == 401)
        #expect(response.headers["WWW-Authenticate"] == "Bearer")
    }
}
