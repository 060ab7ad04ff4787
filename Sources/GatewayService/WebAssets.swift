import Foundation
import HTTP
import Logging
import Routing
import ServiceKit

/// The browser trading desk (issue 25): the files of the `Web/` folder, read once at start into
/// memory and served by the gateway at `/` (the page) and under `/assets/{version}/` (everything
/// else), so they never shadow `/auth`, `/stocks`, `/trade`, `/health` or `/metrics`.
///
/// `{version}` is a hash of every file's bytes: an asset URL names its content, so assets are
/// cached for a year (`immutable`), and a new release changes every URL at once (the ES modules
/// import each other by relative path, so they stay within one version). The page itself is
/// `no-cache` with an `ETag`, so a browser revalidates it (304) and meets the new version.
struct WebAssets: Sendable {
    /// One file as served: its bytes, type and strong validator.
    struct Asset: Sendable {
        let body: [UInt8]
        let contentType: String
        let etag: String
    }

    /// At most this many files in the folder: the app is a handful of modules; more is a mistake
    /// (a wrong `WEB_ROOT`), and start fails rather than reading a whole disk into memory.
    static let filesMax = 64
    /// At most this many bytes in all: the app is about 60 KiB; the bound keeps a wrong
    /// `WEB_ROOT` from filling the gateway's memory (compose gives it 128 MiB).
    static let totalBytesMax = 2 << 20
    /// Where the page is told to load assets from; replaced in `index.html` at load.
    static let basePlaceholder = "{{ASSETS}}"
    /// The folder, relative to a checkout's root, that holds the app.
    static let folderName = "Web"

    /// The page's headers (and every asset's): scripts, styles and connections from this origin
    /// only, no inline script or style, never framed, types as declared, no referrer sent out.
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),  // frame-ancestors for browsers without CSP level 2
    ]

    let version: String
    let page: Asset
    let files: [String: Asset]

    /// Reads every regular file directly in `root`; `index.html` is the page.
    init(root: String) throws {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: root).sorted() else {
            throw ConfigError("WEB_ROOT", "is not a readable folder: \(root)")
        }
        guard names.count <= Self.filesMax else {
            throw ConfigError("WEB_ROOT", "holds \(names.count) entries, more than \(Self.filesMax): \(root)")
        }
        var raw: [(name: String, bytes: [UInt8])] = []
        var total = 0
        for name in names where Self.contentType(for: name) != nil {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: root + "/" + name, isDirectory: &isFolder), !isFolder.boolValue,
                  let data = manager.contents(atPath: root + "/" + name) else { continue }
            total += data.count
            guard total <= Self.totalBytesMax else {
                throw ConfigError("WEB_ROOT", "holds more than \(Self.totalBytesMax) bytes of assets: \(root)")
            }
            raw.append((name, Array(data)))
        }
        guard let html = raw.first(where: { $0.name == "index.html" }) else {
            throw ConfigError("WEB_ROOT", "has no index.html: \(root)")
        }
        var digest = Self.fnv1aOffset
        for file in raw { digest = Self.fnv1a(Array(file.name.utf8) + [0] + file.bytes, from: digest) }
        let version = String(digest, radix: 16)
        self.version = version
        var files: [String: Asset] = [:]
        for file in raw where file.name != "index.html" {
            files[file.name] = Self.asset(file.bytes, contentType: Self.contentType(for: file.name)!)
        }
        self.files = files
        let pageText = String(decoding: html.bytes, as: UTF8.self)
            .replacingOccurrences(of: Self.basePlaceholder, with: "/assets/\(version)/")
        page = Self.asset(Array(pageText.utf8), contentType: "text/html; charset=utf-8")
    }

    /// The app's folder: `WEB_ROOT` if set (it must hold `index.html`), else the first `Web/` with
    /// an `index.html` in the working directory or above the executable (a checkout's
    /// `.build/<triple>/<config>/gateway`: `swift run gateway` and `scripts/run-local`); `nil`
    /// when there is none (the gateway then serves the API only, and says so at start).
    static func locate(environment: Environment) throws -> String? {
        let manager = FileManager.default
        if let root = environment.raw("WEB_ROOT") {
            guard manager.fileExists(atPath: root + "/index.html") else {
                throw ConfigError("WEB_ROOT", "has no index.html: \(root)")
            }
            return root
        }
        var candidates = [manager.currentDirectoryPath + "/" + folderName]
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(folder.path + "/" + folderName)
            folder = folder.deletingLastPathComponent()
        }
        return candidates.first { manager.fileExists(atPath: $0 + "/index.html") }
    }

    /// Loads the app where ``locate(environment:)`` finds it; `nil` (with a warning) when it finds none.
    static func load(environment: Environment, logger: Logger) throws -> WebAssets? {
        guard let root = try locate(environment: environment) else {
            logger.warning("no web app found (no WEB_ROOT, no ./\(folderName)/index.html): serving the API only")
            return nil
        }
        let assets = try WebAssets(root: root)
        logger.info("web app loaded", metadata: ["root": "\(root)", "files": "\(assets.files.count + 1)",
                                                 "version": "\(assets.version)"])
        return assets
    }

    /// `GET /`: the page (`no-cache`, revalidated with its `ETag`). `HEAD` too, through the router.
    func page(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        respond(request, page, cacheControl: "no-cache")
    }

    /// `GET /assets/{version}/{file}`: a file of this version, cached for a year; any other is 404.
    func asset(_ request: HTTPRequest, _ context: RequestContext) async throws -> HTTPResponse {
        guard context.parameters["version"] == version, let file = context.parameters["file"],
              let asset = files[file] else {
            return Self.notFound(request)
        }
        return respond(request, asset, cacheControl: "public, max-age=31536000, immutable")
    }

    /// The routes' answer when no app was found: the API's 404, with the pages' headers.
    static func notFound(_ request: HTTPRequest) -> HTTPResponse {
        var response = HTTPResponse.problem(HTTPError.notFound(request.path).problem)
        for (name, value) in securityHeaders { response.headers.add(name, value) }
        return response
    }

    /// 200 with the body, or 304 when `If-None-Match` names the current tag (RFC 9110 §13.1.2,
    /// weak comparison). The 304 keeps the body only so that the server's `Content-Length` is the
    /// 200's (RFC 9110 §8.6); it writes no body for a 304, nor for `HEAD`.
    private func respond(_ request: HTTPRequest, _ asset: Asset, cacheControl: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("ETag", asset.etag)
        headers.add("Cache-Control", cacheControl)
        for (name, value) in Self.securityHeaders { headers.add(name, value) }
        if let condition = request.headers["If-None-Match"], Self.matches(condition, asset.etag) {
            return HTTPResponse(status: 304, headers: headers, body: asset.body)
        }
        return HTTPResponse(status: 200, contentType: asset.contentType, body: asset.body, headers: headers)
    }

    /// Whether an `If-None-Match` list names `etag` (`*`, or any tag equal ignoring `W/`).
    static func matches(_ condition: String, _ etag: String) -> Bool {
        condition.split(separator: ",").contains { item in
            var tag = item.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            return tag == etag
        }
    }

    /// The type for a file name, or `nil` for a file the app does not serve.
    static func contentType(for name: String) -> String? {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "json": "application/json; charset=utf-8"
        default: nil
        }
    }

    private static func asset(_ bytes: [UInt8], contentType: String) -> Asset {
        Asset(body: bytes, contentType: contentType, etag: "\"\(String(fnv1a(bytes, from: fnv1aOffset), radix: 16))\"")
    }

    private static let fnv1aOffset: UInt64 = 0xcbf2_9ce4_8422_2325

    /// FNV-1a, 64 bits: a validator, not a defence (the files are ours).
    private static func fnv1a(_ bytes: [UInt8], from start: UInt64) -> UInt64 {
        var hash = start
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
