import Foundation
@testable import GatewayService
import HTTP
import Logging
import ServiceKit
import Testing
import TestSupport

/// The gateway's static serving of the browser app (issue 25): the page at `/`, assets under
/// `/assets/{version}/`, validators, 304, HEAD, security headers, bounds, and no shadowing.
@Suite(.serialized)
struct WebAssetsTests {
    /// A folder with a small app in it, removed by the caller.
    private static func appFolder(_ files: [String: String] = [:]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let defaults = [
            "index.html": #"<!doctype html><link rel="stylesheet" href="{{ASSETS}}style.css"><script type="module" src="{{ASSETS}}app.js"></script>"#,
            "app.js": "import './more.js';\n",
            "more.js": "export const x = 1;\n",
            "style.css": "body { margin: 0 }\n",
            "notes.txt": "not served: unknown type\n",
        ]
        for (name, text) in defaults.merging(files, uniquingKeysWith: { $1 }) {
            try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        return folder
    }

    /// The gateway in-process on a free port, its upstreams nowhere (the static routes need none).
    private static func withGateway(root: String, _ body: (TestClient) async throws -> Void) async throws {
        let environment = Environment([
            "HOST": "127.0.0.1", "PORT": "0", "WEB_ROOT": root, "RATE_LIMIT_RPS": "0",
            "AUTH_URL": "http://127.0.0.1:9", "STOCK_URL": "http://127.0.0.1:9", "TRADE_URL": "http://127.0.0.1:9",
        ])
        let host = try await GatewayService.start(environment: environment, logger: Logger(label: "test"))
        do {
            try await body(TestClient(port: host.port))
        } catch {
            await host.shutdown()
            throw error
        }
        await host.shutdown()
    }

    private static func assetBase(_ page: TestClient.Reply) throws -> String {
        let text = page.text
        let start = try #require(text.range(of: "/assets/"))
        let end = try #require(text[start.upperBound...].firstIndex(of: "/"))
        return String(text[start.lowerBound...end])
    }

    @Test func thePageIsServedAtRootWithStrictHeadersAndRevalidates() async throws {
        let root = try Self.appFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await Self.withGateway(root: root) { client in
            let page = try await client.get("/")
            #expect(page.status == 200)
            #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
            let csp = try #require(page.headers["Content-Security-Policy"])
            #expect(csp.contains("default-src 'self'"))
            #expect(csp.contains("frame-ancestors 'none'"))
            #expect(!csp.contains("unsafe-inline"))
            #expect(page.headers["X-Content-Type-Options"] == "nosniff")
            #expect(page.headers["Referrer-Policy"] == "no-referrer")
            #expect(page.headers["Cache-Control"] == "no-cache")
            #expect(page.headers["X-Request-ID"]?.isEmpty == false)
            #expect(!page.text.contains("{{ASSETS}}"), "the placeholder is replaced")
            let etag = try #require(page.headers["ETag"])
            #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""), "a strong tag: \(etag)")

            for condition in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
                let again = try await client.get("/", headers: ["If-None-Match": condition])
                #expect(again.status == 304, "\(condition)")
                #expect(again.body.isEmpty)
                #expect(again.headers["ETag"] == etag)
                #expect(again.headers["Content-Security-Policy"] == csp)
                // RFC 9110 §8.6: a 304's Content-Length, if any, is the 200's.
                #expect(again.headers["Content-Length"].map { Int($0) } ?? page.body.count == page.body.count)
            }
            let changed = try await client.get("/", headers: ["If-None-Match": "\"stale\""])
            #expect(changed.status == 200)
            #expect(changed.body == page.body)

            let head = try await client.send("HEAD", "/")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.headers["Content-Length"] == "\(page.body.count)")
            #expect(head.headers["ETag"] == etag)
            #expect(head.headers["Content-Security-Policy"] == csp)
        }
    }

    @Test func assetsAreNamedByContentCachedForAYearAndUnknownOnes404() async throws {
        let root = try Self.appFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await Self.withGateway(root: root) { client in
            let base = try Self.assetBase(try await client.get("/"))
            let script = try await client.get(base + "app.js")
            #expect(script.status == 200)
            #expect(script.text == "import './more.js';\n")
            #expect(script.headers["Content-Type"] == "text/javascript; charset=utf-8")
            #expect(script.headers["Cache-Control"] == "public, max-age=31536000, immutable")
            #expect(script.headers["X-Content-Type-Options"] == "nosniff")
            let tag = try #require(script.headers["ETag"])
            #expect(try await client.get(base + "app.js", headers: ["If-None-Match": tag]).status == 304)
            #expect(try await client.get(base + "style.css").headers["Content-Type"] == "text/css; charset=utf-8")
            #expect(try await client.get(base + "more.js").status == 200, "relative imports resolve in the same version")
            let head = try await client.send("HEAD", base + "app.js")
            #expect(head.status == 200 && head.body.isEmpty && head.headers["Content-Length"] == "\(script.body.count)")

            for missing in [base + "nope.js", base + "notes.txt", base + "index.html", "/assets/0123/app.js",
                            base + "..%2Fapp.js", base, "/assets", "/index.html", "/app.js"] {
                let reply = try await client.get(missing)
                #expect(reply.status == 404, "\(missing): \(reply.status)")
                #expect(reply.headers["Content-Type"]?.hasPrefix("application/problem+json") == true, "\(missing)")
            }
            let post = try await client.send("POST", "/")
            #expect(post.status == 405, "only GET and HEAD")
            #expect(post.headers["Allow"] == "GET, HEAD")
        }
    }

    @Test func aChangedFileChangesTheVersionAndTheTag() async throws {
        let first = try Self.appFolder()
        let second = try Self.appFolder(["more.js": "export const x = 2;\n"])
        defer { for root in [first, second] { try? FileManager.default.removeItem(atPath: root) } }
        let a = try WebAssets(root: first)
        let b = try WebAssets(root: second)
        #expect(a.version != b.version)
        #expect(a.page.etag != b.page.etag, "the page names the version")
        #expect(a.files["app.js"]?.etag == b.files["app.js"]?.etag, "an unchanged file keeps its tag")
        #expect(a.files["more.js"]?.etag != b.files["more.js"]?.etag)
        #expect(a.files["notes.txt"] == nil)
    }

    @Test func theApiPathsAreNotShadowed() async throws {
        let root = try Self.appFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await Self.withGateway(root: root) { client in
            #expect(try await client.get("/health").status == 503, "the aggregate health (upstreams down)")
            #expect(try await client.get("/").status == 200)
            let metrics = try await client.get("/metrics")
            #expect(metrics.status == 200 && metrics.text.contains(#"route="/","#), "labelled by pattern")
            // The prefixes still go to their upstreams (none here: 502) or the token check (401).
            #expect(try await client.get("/stocks").status == 502)
            #expect(try await client.get("/stocks/AAPL").status == 502)
            #expect(try await client.get("/trade/account").status == 401)
            #expect(try await client.post("/auth/login", json: "{}").status == 502)
            #expect(try await client.get("/nothing").status == 404)
        }
    }

    @Test func boundsAndMissingFoldersStopTheStart() throws {
        let root = try Self.appFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let big = String(repeating: "x", count: WebAssets.totalBytesMax)
        try big.write(toFile: root + "/big.js", atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try WebAssets(root: root) }
        try FileManager.default.removeItem(atPath: root + "/big.js")
        for index in 0..<WebAssets.filesMax { try "".write(toFile: root + "/f\(index).js", atomically: true, encoding: .utf8) }
        #expect(throws: ConfigError.self) { try WebAssets(root: root) }
        #expect(throws: ConfigError.self) { try WebAssets.locate(environment: Environment(["WEB_ROOT": "/nonexistent"])) }
        #expect(throws: ConfigError.self) { try WebAssets(root: FileManager.default.temporaryDirectory.path + "/none-\(UUID())") }
    }

    @Test func theRepositoryAppIsFoundWithoutWebRoot() throws {
        // The checkout's Web/ (swift test runs in the package root; the executable lives under .build).
        let root = try #require(try WebAssets.locate(environment: Environment([:])))
        #expect(root.hasSuffix("/Web"))
        let app = try WebAssets(root: root)
        #expect(app.files["app.js"] != nil)
        let page = String(decoding: app.page.body, as: UTF8.self)
        #expect(page.contains("/assets/\(app.version)/app.js"))
        #expect(!page.contains("<style") && !page.contains(" style=") && !page.contains(" onclick="))
    }

    @Test func ifNoneMatchComparesWeaklyAcrossAList() {
        let rows: [(String, Bool, String)] = [
            ("\"a\"", true, "the tag itself"),
            ("W/\"a\"", true, "weak comparison ignores W/"),
            ("\"b\", \"a\"", true, "any of a list"),
            ("\"b\",\"a\"", true, "no space"),
            ("*", true, "any"),
            ("\"b\"", false, "another tag"),
            ("a", false, "unquoted is not the tag"),
            ("", false, "empty"),
        ]
        for (condition, expected, why) in rows {
            #expect(WebAssets.matches(condition, "\"a\"") == expected, "\(why)")
        }
    }
}
