import Testing
import HTTP
import Routing
import TestSupport

/// RFC 9112 §3.2.2: a server MUST accept an absolute-form target. Over a real socket, through the
/// router: the request is routed on its path, and its authority replaces `Host`.
@Suite("Absolute-form targets", .timeLimit(.minutes(1)))
struct AbsoluteFormTests {
    static let router: Router = {
        var builder = RouterBuilder()
        builder.get("/stocks/{symbol}") { request, context in
            let body = "symbol=\(context.parameter("symbol")) target=\(request.target) host=\(request.host ?? "-")"
            return HTTPResponse(status: 200, body: Array(body.utf8))
        }
        builder.get("/stocks") { request, _ in HTTPResponse(status: 200, body: Array("list host=\(request.host ?? "-")".utf8)) }
        return builder.build()
    }()

    static let rows: [(request: String, status: Int, body: String?, why: String)] = [
        ("GET http://quotes.example:8080/stocks/AAPL?x=1 HTTP/1.1\r\nHost: other\r\n\r\n", 200,
         "symbol=AAPL target=/stocks/AAPL?x=1 host=quotes.example:8080", "routed on the path; the authority replaces Host"),
        ("GET HTTPS://Q.example/stocks HTTP/1.1\r\nHost: other\r\n\r\n", 200, "list host=Q.example", "the scheme in any case"),
        ("GET http://q.example HTTP/1.1\r\nHost: other\r\n\r\n", 404, nil, "an empty path is /, which no route serves: 404, not 400"),
        ("GET /stocks/MSFT HTTP/1.1\r\nHost: other\r\n\r\n", 200, "symbol=MSFT target=/stocks/MSFT host=other", "origin form keeps Host"),
        ("GET ftp://quotes.example/stocks/AAPL HTTP/1.1\r\nHost: other\r\n\r\n", 400, nil, "another scheme is 400"),
        ("GET http://quotes.example/stocks/AAPL HTTP/1.1\r\n\r\n", 400, nil, "one Host is still required in 1.1"),
    ]

    @Test(arguments: rows.indices)
    func absoluteFormIsRoutedOnItsPath(_ index: Int) async throws {
        let row = Self.rows[index]
        try await HTTPServerTests.withServer(responder: { await Self.router.respond($0) }) { server in
            let port = server.port
            try await rawBlocking {
                let client = try RawClient(port: port)
                client.send(row.request)
                let response = try #require(client.readResponse(), "\(row.why): no response")
                #expect(response.status == row.status, "\(row.why): \(response.text)")
                if let body = row.body { #expect(response.text == body, "\(row.why)") }
            }
        }
    }
}
