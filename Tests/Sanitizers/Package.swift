// swift-tools-version:6.2
import PackageDescription

// The suites scripts/test runs under ThreadSanitizer and AddressSanitizer, as a package of their
// own: the trading suite's targets that those suites need, and only swift-log besides. Each target's
// directory under Farm/ is made by `scripts/sanitize --small`: links to the repository's files, plus
// Mutex.swift (this folder) in every Swift target that imports Synchronization (it says why). The whole package under a sanitizer also builds
// swift-crypto's BoringSSL, GRDB and SQLite, jwt-kit and the services: 15-30 min per sanitizer
// on 2 cores, against a few minutes for this (README "Tests"). `scripts/sanitize` runs the whole
// package's suites when wanted.
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "trading-suite-sanitizers",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .target(name: "CSockets", path: "Farm/CSockets"),
        .target(name: "Sockets", dependencies: ["CSockets"], path: "Farm/Sockets", swiftSettings: strict),
        .target(name: "HTTP", dependencies: ["Sockets"], path: "Farm/HTTP", swiftSettings: strict),
        .target(name: "Routing", dependencies: ["HTTP", .product(name: "Logging", package: "swift-log")],
                path: "Farm/Routing", swiftSettings: strict),
        .target(name: "Money", path: "Farm/Money", swiftSettings: strict),
        .target(name: "CCurl", path: "Farm/CCurl"),
        .target(name: "Outbound", dependencies: ["CCurl"], path: "Farm/Outbound", swiftSettings: strict),
        .target(name: "MarketData", dependencies: ["Outbound", "Money"], path: "Farm/MarketData", swiftSettings: strict),

        .target(name: "CSpawn", path: "Farm/CSpawn"),
        .target(name: "TestSupport", dependencies: ["HTTP", "Sockets", "CSpawn"], path: "Farm/TestSupport",
                swiftSettings: strict),
        .testTarget(name: "SocketsTests", dependencies: ["Sockets", "TestSupport"], path: "Farm/SocketsTests",
                    swiftSettings: strict),
        .testTarget(name: "RoutingTests", dependencies: ["Routing", "HTTP"], path: "Farm/RoutingTests", swiftSettings: strict),
        .testTarget(name: "HTTPTests", dependencies: ["Sockets", "HTTP", "Routing", "TestSupport"],
                    path: "Farm/HTTPTests", swiftSettings: strict),
        .testTarget(name: "MoneyTests", dependencies: ["Money", "TestSupport"], path: "Farm/MoneyTests",
                    swiftSettings: strict),
        .testTarget(name: "MarketDataTests", dependencies: ["MarketData", "HTTP", "TestSupport"],
                    path: "Farm/MarketDataTests", swiftSettings: strict),
    ]
)
