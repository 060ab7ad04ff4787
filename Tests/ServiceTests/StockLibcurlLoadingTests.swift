import Foundation
import TestSupport
import Testing

/// The stock executable opens libcurl only in live mode (Sources/CCurl/include/ccurl.h): the simulated
/// market must not pay the 5 MiB that libcurl and its libraries cost at start, and live mode must fail its
/// start, not its quotes, when libcurl is unusable.
@Suite struct StockLibcurlLoadingTests {
    /// The shared objects mapped into process `pid`, by file name.
    static func mappedLibraries(_ pid: Int32) throws -> Set<String> {
        // Read to the end: /proc files report size 0, and a read sized by stat stops after one page.
        let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(pid)/maps"))
        defer { try? file.close() }
        let maps = String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        var names: Set<String> = []
        for line in maps.split(separator: "\n") {
            guard let path = line.split(separator: " ", omittingEmptySubsequences: true).last,
                  path.hasPrefix("/"), path.contains(".so") else { continue }
            names.insert(String(path.split(separator: "/").last!))
        }
        return names
    }

    @Test(.timeLimit(.minutes(1)))
    func theSimulatedMarketNeverMapsLibcurl() async throws {
        let folder = try TemporaryFolder("stock-nocurl")
        defer { folder.remove() }
        let stock = try await ServiceProcess("stock", environment: [
            "DATABASE_PATH": folder.path + "/stock.sqlite", "API_KEY": "", "EVENT_LOOPS": "1",
        ], logFolder: folder.path)
        try await stock.stopAfter {
            let reply = try await TestClient(port: stock.port, timeout: .seconds(5)).get("/stocks/AAPL")
            #expect(reply.status == 200)
            let libraries = try Self.mappedLibraries(stock.pid)
            #expect(libraries.contains { $0.hasPrefix("libc.so") }, "the maps show no libc: nothing was checked: \(libraries)")
            #expect(!libraries.contains { $0.hasPrefix("libcurl") }, "\(libraries.sorted())")
            #expect(!libraries.contains { $0.hasPrefix("libssl") || $0.hasPrefix("libgnutls") }, "\(libraries.sorted())")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func liveModeLoadsLibcurlAtStartAndQuotesThroughIt() async throws {
        let folder = try TemporaryFolder("stock-curl")
        defer { folder.remove() }
        let provider = try FakeProvider()
        defer { provider.stop() }
        provider.setQuote(symbol: "IBM", price: "231.0700", day: "2026-12-01")
        let stock = try await ServiceProcess("stock", environment: [
            "DATABASE_PATH": folder.path + "/stock.sqlite", "API_KEY": "live-key", "STOCK_API_URL": provider.baseURL,
            "EVENT_LOOPS": "1",
        ], logFolder: folder.path)
        try await stock.stopAfter {
            // Loaded by the start itself, before any quote is asked for.
            let libraries = try Self.mappedLibraries(stock.pid)
            #expect(libraries.contains { $0.hasPrefix("libcurl.so") }, "\(libraries.sorted())")
            let reply = try await TestClient(port: stock.port, timeout: .seconds(5)).get("/stocks/IBM")
            #expect(reply.status == 200)
            #expect(reply.string("price") == "231.07")
            #expect(provider.lastAPIKey == "live-key")
        }
    }

    /// `(CURL_LIBRARY, what the one line must say)`.
    static let unusable: [(String, String)] = [
        ("/nonexistent/libcurl.so.4", "cannot load /nonexistent/libcurl.so.4"),
        ("libm.so.6", "libm.so.6 has no symbol curl_global_init"),
    ]

    @Test(.timeLimit(.minutes(1)), arguments: unusable)
    func anUnusableLibcurlStopsALiveStartWithTheReason(_ library: String, _ reason: String) async throws {
        let folder = try TemporaryFolder("stock-badcurl")
        defer { folder.remove() }
        let stock = try await ServiceProcess("stock", environment: [
            "DATABASE_PATH": folder.path + "/stock.sqlite", "API_KEY": "k", "CURL_LIBRARY": library,
        ], logFolder: folder.path, waitForHealth: false)
        let exited = await stock.waitForExit(timeout: .seconds(10))
        if !exited { await stock.stop() }
        #expect(exited)
        #expect(stock.exitStatus == 2, "ServiceMain exits 2 on a configuration error")
        #expect(stock.log.contains(reason), "\(stock.log)")
    }
}
