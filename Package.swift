// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Kindred",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kindred", targets: ["kindred"]),
        // For the fuzzing package in Fuzz/, which drives the parsers directly.
        .library(name: "KindredStore", targets: ["KindredStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Already in the graph through Hummingbird; named for one channel handler that sees the
        // HTTP version before it is dropped (HTTP1_0ConnectionCloseHandler).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // Dense float kernels compiled for several instruction sets, chosen at load time.
        .target(name: "KindredKernels"),
        // Pure math and deterministic generators: no SQLite, no HTTP, no clock.
        .target(name: "KindredLearning", dependencies: ["KindredKernels"]),
        // The only code that speaks SQL: migrations, records, importers, pseudonymization.
        .target(
            name: "KindredStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                // The C API, for binding the import's hot INSERT without per-row allocations.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Use cases that wire Store and Learning together.
        .target(
            name: "KindredEngine",
            dependencies: [
                "KindredStore",
                "KindredLearning",
                // Checksums in the manifests of event exports.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The HTTP face: routes, keys, metrics, and the services that run beside the server.
        .target(
            name: "KindredServer",
            dependencies: [
                "KindredEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // The tracker's source; the binary carries it minified (scripts/embed-tracker.sh).
            exclude: ["Tracker/tracker.js"]
        ),
        // The command-line face; a library so that tests can drive it in process.
        .target(
            name: "KindredCLI",
            dependencies: [
                "KindredEngine",
                "KindredLearning",
                "KindredServer",
                // `kindred serve` runs the application KindredServer builds.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "kindred", dependencies: ["KindredCLI"]),
        // Temporary directories and database snapshots shared by the test targets.
        .target(
            name: "KindredTestSupport",
            dependencies: ["KindredStore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/KindredTestSupport"
        ),
        .testTarget(
            name: "KindredLearningTests", dependencies: ["KindredLearning"],
            // Reference values made by scripts/reference/*.py, read by path.
            exclude: ["Reference"]
        ),
        .testTarget(
            name: "KindredStoreTests",
            dependencies: [
                "KindredStore", "KindredTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "KindredEngineTests",
            dependencies: ["KindredEngine", "KindredStore", "KindredTestSupport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "KindredServerTests",
            dependencies: [
                "KindredServer", "KindredEngine", "KindredStore", "KindredTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "KindredCLITests",
            dependencies: ["KindredCLI", "KindredEngine", "KindredStore", "KindredTestSupport", "kindred"],
            exclude: ["Fixtures"]
        ),
    ]
)
