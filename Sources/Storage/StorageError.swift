/// Why a service's SQLite file could not be made ready. Storage is a leaf that knows nothing of
/// configuration: each service maps this to its own start-up error (a `ConfigError` for
/// `DATABASE_PATH`, exit 2) where it opens its store.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    /// The file that could not be opened, created, configured or migrated.
    public let path: String
    /// What SQLite or GRDB said.
    public let reason: String

    /// An open or migration failure of `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `cannot open <path>: <reason>`.
    public var description: String { "cannot open \(path): \(reason)" }
}
