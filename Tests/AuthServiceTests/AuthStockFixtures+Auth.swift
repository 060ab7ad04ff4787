import AuthService
import Foundation
import ServiceKit
import ServiceTestSupport
import TestSupport

/// The auth service in-process for this target's tests; what the process tests share with them
/// (accounts, problem checks, timing) is in TestSupport's `AuthStockFixtures`.
extension AuthStockFixtures {
    /// The variables every in-process auth test needs; `extra` overrides them.
    static func authEnvironment(_ folder: TemporaryFolder, _ extra: [String: String] = [:]) -> [String: String] {
        var values = [
            "HOST": "127.0.0.1", "PORT": "0", "DATABASE_PATH": folder.path + "/auth.sqlite",
            "SCRYPT_LOG_N": "10", "JWT_SECRET": secret, "LOG_LEVEL": "error",
        ]
        for (key, value) in extra { values[key] = value }
        return values
    }

    /// Starts the auth service in-process, runs `body`, and always shuts it down and removes its folder.
    static func withAuth(_ extra: [String: String] = [:], _ body: (InProcessService) async throws -> Void) async throws {
        try await InProcessService.with("auth-test", start: { folder in
            let environment = Environment(authEnvironment(folder, extra))
            return InProcessService(host: try await AuthService.start(environment: environment, logger: InProcessService.logger),
                                    folder: folder)
        }, body)
    }

    static func parseRFC3339(_ text: String) -> Date? {
        guard text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/) != nil else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
