// swift-tools-version: 6.1
import Foundation
import PackageDescription

// One settings array for every target: Swift 6 mode plus the upcoming features the house style
// relies on (docs/architecture.md, "Conventions").
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Entitle",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "entitle", targets: ["EntitleCLI"]),
        .library(name: "MarketplaceCore", targets: ["MarketplaceCore"]),
        .library(name: "GoogleCloud", targets: ["GoogleCloud"]),
        .library(name: "EntitleStore", targets: ["EntitleStore"]),
        .library(name: "Entitle", targets: ["Entitle"]),
        .library(name: "MarketplaceEmulator", targets: ["MarketplaceEmulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.24.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.15.0"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
    ],
    targets: [
        // `EntitleBuild.commit`, the git commit `entitle --version` names.
        .plugin(name: "BuildCommit", capability: .buildTool()),
        // `EmbeddedTemplates.all`: the pages' Mustache templates (Templates/<target>/), compiled in.
        .plugin(name: "EmbedTemplates", capability: .buildTool()),
        // Pure domain: Foundation only, no I/O.
        .target(name: "MarketplaceCore", swiftSettings: swiftSettings),
        // Files holding secrets or customers' data, owner-only from the start (the store, the
        // emulator's state, sandbox secrets, key files).
        .target(name: "OwnerOnlyFiles", swiftSettings: swiftSettings),
        .target(
            name: "GoogleCloud",
            dependencies: [
                "MarketplaceCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EntitleStore",
            dependencies: [
                "MarketplaceCore", "OwnerOnlyFiles",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Entitle",
            dependencies: [
                "MarketplaceCore", "GoogleCloud", "EntitleStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings,
            plugins: ["BuildCommit", "EmbedTemplates"]
        ),
        .target(
            name: "MarketplaceEmulator",
            dependencies: [
                "MarketplaceCore", "OwnerOnlyFiles",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EntitleTestSupport",
            dependencies: [
                "MarketplaceCore", "GoogleCloud", "EntitleStore", "Entitle", "MarketplaceEmulator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EntitleCLI",
            dependencies: [
                "MarketplaceCore", "Entitle", "EntitleStore", "MarketplaceEmulator", "GoogleCloud", "OwnerOnlyFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// The image's build stage copies Package.swift, Plugins, Sources and Templates only (Dockerfile): without Tests
// the test targets are left out rather than refused for their missing folders.
if FileManager.default.fileExists(atPath: Context.packageDirectory + "/Tests") {
    package.targets += [
        .testTarget(
            name: "MarketplaceCoreTests",
            dependencies: ["MarketplaceCore"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GoogleCloudTests",
            dependencies: [
                "GoogleCloud", "EntitleTestSupport", "MarketplaceEmulator", "MarketplaceCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EntitleStoreTests",
            dependencies: [
                "EntitleStore", "EntitleTestSupport", "MarketplaceCore", "OwnerOnlyFiles",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's own count of a statement's work (`sqlite3_stmt_status`).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EntitleTests",
            dependencies: [
                "Entitle", "EntitleTestSupport", "EntitleStore", "GoogleCloud", "MarketplaceCore",
                "MarketplaceEmulator",
                // Only to write rows an older Entitle could have kept (records past today's checks).
                .product(name: "GRDB", package: "GRDB.swift"),
                // Router tests of controllers that need no emulator (no server, no port).
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EntitleCLITests",
            dependencies: ["EntitleCLI", "OwnerOnlyFiles"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MarketplaceEmulatorTests",
            dependencies: [
                "MarketplaceEmulator", "MarketplaceCore", "EntitleTestSupport", "OwnerOnlyFiles",
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
}
