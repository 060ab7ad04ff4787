import Foundation
import ServiceKit
import ServiceTestSupport
import StockService
import Synchronization
import TestSupport

/// The stock service in-process for this target's tests, on a clock the tests move by hand; what the
/// process tests share with them is in TestSupport's `AuthStockFixtures`.
extension AuthStockFixtures {
    /// The variables of a stock service in live mode against `providerURL`; `extra` overrides them.
    static func stockEnvironment(_ folder: TemporaryFolder, providerURL: String?, _ extra: [String: String] = [:])
        -> [String: String] {
        var values = [
            "HOST": "127.0.0.1", "PORT": "0", "DATABASE_PATH": folder.path + "/stock.sqlite",
            "QUOTE_TTL_SECONDS": "60", "PROVIDER_TIMEOUT_MS": "2000", "LOG_LEVEL": "error",
        ]
        if let providerURL {
            values["API_KEY"] = "stock-test-key"
            values["STOCK_API_URL"] = providerURL
            // The call budget has its own tests (StockProviderBudgetTests); elsewhere it would
            // turn the sixth provider call of a test into a 503.
            values["PROVIDER_CALLS_PER_MINUTE"] = "0"
            values["PROVIDER_CALLS_PER_DAY"] = "0"
        }
        for (key, value) in extra { values[key] = value }
        return values
    }

    /// Starts the stock service in-process on `folder` (not removed here: restarts reuse it).
    static func startStock(_ folder: TemporaryFolder, providerURL: String?, clock: MovableClock,
                           _ extra: [String: String] = [:]) async throws -> InProcessService {
        let environment = Environment(stockEnvironment(folder, providerURL: providerURL, extra))
        let host = try await StockService.start(environment: environment, logger: InProcessService.logger, now: clock.function)
        return InProcessService(host: host, folder: folder)
    }

    /// Starts the stock service with a new folder, runs `body`, and always cleans up.
    static func withStock(providerURL: String?, clock: MovableClock, _ extra: [String: String] = [:],
                          _ body: (InProcessService) async throws -> Void) async throws {
        try await InProcessService.with("stock-test", start: { folder in
            try await startStock(folder, providerURL: providerURL, clock: clock, extra)
        }, body)
    }

    /// RFC 3339 UTC with whole seconds, computed independently of the code under test.
    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
    }

    /// A clock the tests move by hand (TTL expiry), starting at a whole second.
    final class MovableClock: Sendable {
        private let current: Mutex<Date>

        init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
            current = Mutex(start)
        }

        var now: Date { current.withLock { $0 } }

        func advance(seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

        var function: @Sendable () -> Date { { [self] in self.now } }
    }
}
