// swift-tools-version:6.2
import PackageDescription

// Layers point one way (see README "Layout"):
// Sockets → HTTP → Routing → ServiceKit → {Auth,Stock,Trade,Gateway}Service → thin executables.
// Leaves used by the services: Money, Outbound (libcurl), MarketData.
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "trading-suite",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "auth", targets: ["auth"]),
        .executable(name: "stock", targets: ["stock"]),
        .executable(name: "trade", targets: ["trade"]),
        .executable(name: "gateway", targets: ["gateway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // MARK: layers
        .target(name: "CSockets"),
        .target(name: "Sockets", dependencies: ["CSockets"], swiftSettings: strict),
        .target(name: "HTTP", dependencies: ["Sockets"], swiftSettings: strict),
        .target(
            name: "Routing",
            dependencies: ["HTTP", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "ServiceKit",
            dependencies: [
                "Routing", "HTTP", "Sockets",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict),

        // MARK: leaves
        .target(name: "Money", swiftSettings: strict),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "Outbound", dependencies: ["CCurl"], swiftSettings: strict),
        .target(name: "MarketData", dependencies: ["Outbound", "Money"], swiftSettings: strict),

        // MARK: services
        .target(
            name: "AuthService",
            dependencies: [
                "ServiceKit",
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(name: "StockService", dependencies: ["ServiceKit", "MarketData", "Money"], swiftSettings: strict),
        .target(name: "TradeService", dependencies: ["ServiceKit", "Money"], swiftSettings: strict),
        .target(name: "GatewayService", dependencies: ["ServiceKit"], swiftSettings: strict),

        // MARK: executables (thin main.swift each)
        .executableTarget(name: "auth", dependencies: ["AuthService"], swiftSettings: strict),
        .executableTarget(name: "stock", dependencies: ["StockService"], swiftSettings: strict),
        .executableTarget(name: "trade", dependencies: ["TradeService"], swiftSettings: strict),
        .executableTarget(name: "gateway", dependencies: ["GatewayService"], swiftSettings: strict),

        // MARK: tests
        .target(name: "TestSupport", dependencies: ["HTTP", "Sockets"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "HTTPTests", dependencies: ["Sockets", "HTTP", "Routing", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "MoneyTests", dependencies: ["Money", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "MarketDataTests", dependencies: ["MarketData", "HTTP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ServiceTests", dependencies: [
            "AuthService", "StockService", "TradeService", "GatewayService", "TestSupport",
            // Fault tests open a service's SQLite file beside it (a second process holding its lock).
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: strict),
    ]
)
