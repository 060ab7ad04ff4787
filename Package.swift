// swift-tools-version:6.2
import PackageDescription

// Layers point one way (see README "Layout"):
// Sockets → HTTP → Routing → ServiceKit → {Auth,Stock,Trade,Gateway}Service → thin executables.
// Leaves used by the services: Money, Outbound (libcurl), MarketData, Storage (GRDB).
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

// The request path (sockets, codec, gateway relay) is built without the runtime's dynamic exclusivity
// checks in release: every mutation of a class's stored buffer paid a `swift_beginAccess` (a
// thread-local access set), 8.7% of the gateway's instructions per request under callgrind
// (bench/RESULTS.md). Debug builds, which the whole test suite runs, keep the checks, so an
// overlapping access still traps in tests; these classes are confined to one loop thread.
let hotPath: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

// What a process maps and touches at start is most of its idle memory (bench/RESULTS.md). On Linux the
// executables link with the toolchain's lld, which packs the PIE's relative relocations (DT_RELR, glibc
// 2.36+: 2.4 MB of `.rela.dyn` read at every start becomes 20 KB), and export none of their own symbols
// (the toolchain's default `-export-dynamic` puts 23,000 of them in `.dynsym` for the loader to hash).
//
// Start-up code is packed together: the functions a service runs from exec to its first `/health`
// (Sources/startup-symbols.txt, recorded by scripts/startup-symbols) are laid out first in `.text`, so the
// pages start-up faults in are a few dense ones, not 64 KB fault-around windows spread over 22 MB of
// code. A symbol the file names that no longer exists is skipped; a stale file costs memory, never
// correctness.
let startupSymbols = Context.packageDirectory + "/Sources/startup-symbols.txt"
let lean: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                  "-Xlinker", "--no-export-dynamic",
                  "-Xlinker", "--symbol-ordering-file=" + startupSymbols, "-Xlinker", "--no-warn-symbol-ordering"],
                 .when(platforms: [.linux])),
]

let package = Package(
    name: "trading-suite",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "auth", targets: ["auth"]),
        .executable(name: "stock", targets: ["stock"]),
        .executable(name: "trade", targets: ["trade"]),
        .executable(name: "gateway", targets: ["gateway"]),
        .executable(name: "loadgen", targets: ["loadgen"]),
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
        .target(name: "Sockets", dependencies: ["CSockets"], swiftSettings: hotPath),
        .target(name: "HTTP", dependencies: ["Sockets"], swiftSettings: hotPath),
        .target(
            name: "Routing",
            dependencies: ["HTTP", "Sockets", .product(name: "Logging", package: "swift-log")],
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
            ],
            swiftSettings: strict),

        // MARK: leaves
        .target(name: "Money", swiftSettings: strict),
        // Its own target so that the gateway, which keeps no database, links neither GRDB nor libsqlite3;
        // a leaf (GRDB only): services turn its StorageError into their own start-up error.
        .target(name: "Storage", dependencies: [.product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strict),
        // libcurl's header (libcurl4-openssl-dev) at build time; the library itself is opened with dlopen
        // on first use, so nothing links it (Sources/CCurl/include/ccurl.h says why).
        .target(name: "CCurl"),
        .target(name: "Outbound", dependencies: ["CCurl"], swiftSettings: strict),
        .target(name: "MarketData", dependencies: ["Outbound", "Money"], swiftSettings: strict),

        // MARK: services
        .target(
            name: "AuthService",
            dependencies: [
                "ServiceKit", "Storage",
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(name: "StockService", dependencies: ["ServiceKit", "Storage", "MarketData", "Money"], swiftSettings: strict),
        .target(name: "TradeService", dependencies: ["ServiceKit", "Storage", "Money"], swiftSettings: strict),
        .target(name: "GatewayService", dependencies: ["ServiceKit"], swiftSettings: hotPath),
        // The trading-day load generator (issue 27): a client of the suite, on the same HTTP client
        // and event loops as the gateway, with Money for the verification's exact arithmetic.
        .target(name: "LoadGeneration", dependencies: ["HTTP", "Sockets", "Money"], swiftSettings: strict),

        // MARK: executables (thin main.swift each)
        .executableTarget(name: "auth", dependencies: ["AuthService"], swiftSettings: strict, linkerSettings: lean),
        .executableTarget(name: "stock", dependencies: ["StockService"], swiftSettings: strict, linkerSettings: lean),
        .executableTarget(name: "trade", dependencies: ["TradeService"], swiftSettings: strict, linkerSettings: lean),
        .executableTarget(name: "gateway", dependencies: ["GatewayService"], swiftSettings: strict, linkerSettings: lean),
        .executableTarget(name: "loadgen", dependencies: ["LoadGeneration"], swiftSettings: strict),

        // MARK: tests
        .target(name: "CSpawn", path: "Tests/CSpawn"),
        .target(name: "TestSupport", dependencies: ["HTTP", "Sockets", "CSpawn"], path: "Tests/TestSupport", swiftSettings: strict),
        // Hand-built JWTs for the token tests of ServiceKitTests and ServiceTests. Not in TestSupport:
        // the sanitizers' small package (Tests/Sanitizers) builds TestSupport without swift-crypto.
        .target(name: "JWTForging", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
                path: "Tests/JWTForging", swiftSettings: strict),
        // One test target per library target (`Tests/<Target>Tests/<Type>Tests.swift`, STYLE.md 11), plus
        // ServiceTests for what needs several services or real processes.
        .testTarget(name: "SocketsTests", dependencies: ["Sockets", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTPTests", dependencies: ["Sockets", "HTTP", "Routing", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "RoutingTests", dependencies: ["Routing", "HTTP"], swiftSettings: strict),
        .testTarget(name: "ServiceKitTests", dependencies: [
            "ServiceKit", "HTTP", "TestSupport", "JWTForging",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ], swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: [
            "Storage", "TestSupport", .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: strict),
        .testTarget(name: "MoneyTests", dependencies: ["Money", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "OutboundTests", dependencies: ["Outbound", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "MarketDataTests", dependencies: ["MarketData", "HTTP", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "AuthServiceTests", dependencies: ["AuthService", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "StockServiceTests", dependencies: ["StockService", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TradeServiceTests", dependencies: [
            "TradeService", "TestSupport", "MarketData", "Money", "HTTP", "Routing",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: strict),
        .testTarget(name: "GatewayServiceTests", dependencies: [
            "GatewayService", "ServiceKit", "HTTP", "TestSupport", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "LoadGenerationTests", dependencies: ["LoadGeneration", "Money", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ServiceTests", dependencies: [
            "AuthService", "StockService", "TradeService", "GatewayService", "TestSupport", "JWTForging",
            // Fault tests open a service's SQLite file beside it (a second process holding its lock).
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: strict),
    ]
)

// The whole package under a sanitizer (`scripts/sanitize`): SANITIZE_FARM names a folder that mirrors
// Sources/ and Tests/ with links, plus Tests/Sanitizers/Mutex.swift in each target that imports
// Synchronization (that file says why: ThreadSanitizer cannot see Swift's futex-based Mutex). Every
// target is built from there; unset, nothing changes.
if let farm = Context.environment["SANITIZE_FARM"] {
    for target in package.targets {
        target.path = farm + "/" + (target.path ?? (target.type == .test ? "Tests/" : "Sources/") + target.name)
    }
}
