import Foundation
import Logging
import Sockets

/// A configuration variable with a bad value: the process prints this one line and exits non-zero.
public struct ConfigError: Error, CustomStringConvertible {
    /// The variable's name, e.g. `PORT`.
    public let variable: String
    /// What is wrong with it.
    public let message: String

    /// Creates the error.
    public init(_ variable: String, _ message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "configuration error: \(variable) \(message)" }

    /// Runs `body`, reporting what it throws as a start-up error of `variable`: how a service turns
    /// a lower layer's failure (Storage's `StorageError` for `DATABASE_PATH`) into exit 2 with one
    /// line naming the variable, without that layer knowing about configuration.
    public static func naming<T, Failure: Error>(_ variable: String, _ body: () throws(Failure) -> T) throws(ConfigError) -> T {
        do {
            return try body()
        } catch {
            throw ConfigError(variable, "\(error)")
        }
    }
}

/// Reads and validates environment variables. Every getter takes the contract's default and
/// throws ``ConfigError`` naming the variable when a set value is unusable.
public struct Environment: Sendable {
    private let values: [String: String]

    /// The process environment, or explicit values (tests).
    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The raw value; an empty string counts as unset (compose passes `VAR=` for unset defaults).
    public func raw(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// A string with a default.
    public func string(_ name: String, default value: String) -> String { raw(name) ?? value }

    /// An integer in `range`, plain digits only.
    public func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = raw(name) else { return value }
        guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), text.utf8.count <= 12, let number = Int(text) else {
            throw ConfigError(name, "must be a whole number, got \"\(text)\"")
        }
        guard range.contains(number) else {
            throw ConfigError(name, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    /// A TCP port (0 lets the kernel choose, for tests).
    public func port(default value: Int) throws -> Int {
        try int("PORT", default: value, in: 0...65535)
    }

    /// A numeric listen address.
    public func host() throws -> String {
        let host = string("HOST", default: "0.0.0.0")
        guard SocketAddress(host: host, port: 0) != nil else {
            throw ConfigError("HOST", "must be a numeric IPv4 or IPv6 address, got \"\(host)\"")
        }
        return host
    }

    /// `LOG_LEVEL`: debug, info, warning or error.
    public func logLevel() throws -> Logger.Level {
        switch string("LOG_LEVEL", default: "info").lowercased() {
        case "debug": .debug
        case "info": .info
        case "warning", "warn": .warning
        case "error": .error
        case let other: throw ConfigError("LOG_LEVEL", "must be debug, info, warning or error, got \"\(other)\"")
        }
    }

    /// An `http://host:port` base URL of another service.
    public func serviceURL(_ name: String, default value: String) throws -> ServiceURL {
        let text = string(name, default: value)
        guard let url = ServiceURL(text) else {
            throw ConfigError(name, "must look like http://HOST:PORT, got \"\(text)\"")
        }
        return url
    }

    /// `DATABASE_PATH`, with its parent folder created and checked writable.
    public func databasePath(service: String) throws -> String {
        let path = string("DATABASE_PATH", default: "./data/\(service).sqlite")
        let folder = (path as NSString).deletingLastPathComponent
        let parent = folder.isEmpty ? "." : folder
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw ConfigError("DATABASE_PATH", "folder \(parent) cannot be created: \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: parent) else {
            throw ConfigError("DATABASE_PATH", "folder \(parent) is not writable")
        }
        return path
    }
}

/// A service's base URL as the suite uses it: plain HTTP, a host and a port.
public struct ServiceURL: Sendable, Equatable, CustomStringConvertible {
    /// Host name or address.
    public let host: String
    /// Port.
    public let port: Int

    /// Parses `http://host:port` (a trailing `/` is allowed; no path).
    public init?(_ text: String) {
        guard text.hasPrefix("http://") else { return nil }
        var rest = text.dropFirst("http://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), let colon = rest.lastIndex(of: ":"),
              let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port),
              !rest[..<colon].isEmpty
        else { return nil }
        host = String(rest[..<colon])
        self.port = port
    }

    public var description: String { "http://\(host):\(port)" }
}
