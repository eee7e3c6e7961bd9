// swift-tools-version:6.1
import PackageDescription

// scripts/fuzz builds with DXLOCAL_FUZZ=1: the project's own modules (not its dependencies) get libFuzzer's
// coverage instrumentation, and DXFuzz links libFuzzer's driver (through lld: gold fails on this link).
let fuzzing = Context.environment["DXLOCAL_FUZZ"] == "1"
let fuzzCoverage: [SwiftSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer"])] : []

let strict: [SwiftSetting] =
    [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ] + fuzzCoverage

let package = Package(
    name: "dxlocal",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dxlocal", targets: ["dxlocal"]),
        .library(name: "DirectConnectClient", targets: ["DirectConnectClient"]),
        .library(name: "SecretsManagerClient", targets: ["SecretsManagerClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // The YAML of `dxlocal serve --seed` (libyaml underneath): a parser of YAML is not a thing to write here.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // `swift package generate-documentation`: the client's DocC catalogue and its compiled snippet.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Generated wire shapes (scripts/generate-shapes); no hand edits.
        .target(name: "DirectConnectModel", dependencies: ["AWSJSONProtocol"], swiftSettings: strict),
        .target(name: "SecretsManagerModel", dependencies: ["AWSJSONProtocol"], swiftSettings: strict),
        .target(name: "EC2Model", dependencies: ["AWSQueryProtocol", "AWSJSONProtocol"], swiftSettings: strict),
        // JSON 1.1: targets, error bodies, request IDs, coding conventions.
        .target(
            name: "AWSJSONProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        // EC2's Query protocol: form parameters in, XML out, EC2's error form.
        .target(
            name: "AWSQueryProtocol",
            dependencies: ["AWSJSONProtocol", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        // SigV4 header parsing (and, later, verification) on swift-crypto.
        .target(
            name: "AWSSigV4",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The records the domain keeps and the store protocol both backends implement.
        // Documents are written with the protocol's JSON writer.
        // Its locks (and the SQLite store's) are NIO's, on pthread mutexes, which ThreadSanitizer sees as
        // synchronisation; it does not see the futex under the standard library's `Mutex`, whose code is not built
        // with the sanitizer, and reported races on state that lock guards (`scripts/test` runs these under TSan).
        .target(
            name: "Storage",
            dependencies: [
                "AWSJSONProtocol",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The write-ahead log's writes gathered into one per commit, and synced with fdatasync: a VFS over SQLite's
        // own, in C because a VFS is a table of C function pointers over C structures (`wal_vfs.c` says why).
        .target(
            name: "CSQLiteWAL",
            dependencies: [.product(name: "SQLiteNIO", package: "sqlite-nio")]
        ),
        // sqlite-nio for the SQLite library it builds (its C module), which the store calls on threads of its own
        // (`SQLiteHandle`), keeping prepared statements.
        .target(
            name: "StorageSQLite",
            dependencies: [
                "CSQLiteWAL",
                "Storage",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "StoragePostgres",
            dependencies: [
                "Storage",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // What both services' domains use: the clock, transactions with their server error, page tokens, the sealer
        // of secret values, random text.
        .target(
            name: "MKA",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ServiceKit",
            dependencies: [
                "AWSJSONProtocol",
                "Storage",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Secrets Manager's rules, as far as Direct Connect needs them (SPEC 6), and the master key's rotation.
        .target(
            name: "SecretsManager",
            dependencies: [
                "SecretsManagerModel",
                "AWSJSONProtocol",
                "Storage",
                "ServiceKit",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The rules of SPEC.md: no HTTP, no SQL.
        .target(
            name: "DirectConnect",
            dependencies: [
                "DirectConnectModel",
                "SecretsManagerModel",
                "AWSJSONProtocol",
                "Storage",
                "ServiceKit",
                "SecretsManager",
                "MKA",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The EC2 slice of SPEC 9: VPCs, virtual private gateways, transit gateways and their attachments.
        .target(
            name: "EC2",
            dependencies: ["EC2Model", "AWSQueryProtocol", "AWSJSONProtocol", "Storage", "ServiceKit"],
            swiftSettings: strict
        ),
        // X-Amz-Target -> decode -> domain -> encode, without HTTP: the server routes POST / through it, and so does DXFuzz.
        .target(
            name: "DXDispatch",
            dependencies: [
                "ServiceKit",
                "SecretsManager",
                "DirectConnect",
                "DirectConnectModel",
                "SecretsManagerModel",
                "EC2",
                "EC2Model",
                "AWSJSONProtocol",
                "AWSQueryProtocol",
                "Storage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DXServer",
            dependencies: [
                "ServiceKit",
                "SecretsManager",
                "DXDispatch",
                "DirectConnect",
                "DirectConnectModel",
                "AWSJSONProtocol",
                "AWSQueryProtocol",
                "AWSSigV4",
                "Storage",
                "StorageSQLite",
                "StoragePostgres",
                "MKA",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // The client side: configuration as the AWS SDKs resolve it, signing, retries, typed errors.
        .target(
            name: "AWSClientRuntime",
            dependencies: [
                "AWSJSONProtocol",
                "AWSSigV4",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DirectConnectClient",
            dependencies: [
                "AWSClientRuntime",
                "AWSJSONProtocol",
                "DirectConnectModel",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SecretsManagerClient",
            dependencies: ["AWSClientRuntime", "AWSJSONProtocol", "SecretsManagerModel"],
            swiftSettings: strict
        ),
        // libFuzzer over decode and dispatch (scripts/fuzz); the ordinary build only replays inputs.
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "DXFuzz",
            dependencies: [
                "ServiceKit",
                "CFuzzerDriver",
                "DXDispatch",
                "DirectConnect",
                "AWSJSONProtocol",
                "Storage",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict + (fuzzing ? [.define("DXFUZZ")] : []),
            linkerSettings: fuzzing ? [.unsafeFlags(["-sanitize=fuzzer", "-Xclang-linker", "-fuse-ld=lld"])] : []
        ),
        .executableTarget(
            name: "dxlocal",
            dependencies: [
                "DXServer",
                "AWSJSONProtocol",
                "AWSSigV4",
                "DirectConnect",
                "DirectConnectClient",
                "DirectConnectModel",
                "AWSClientRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        // Shared by the test targets only: `SQLiteStore.running` (a store with its write loop in a task of its own,
        // which library code never starts).
        .target(
            name: "StorageTestSupport",
            dependencies: ["StorageSQLite"],
            path: "Tests/StorageTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "AWSJSONProtocolTests",
            dependencies: [
                "AWSJSONProtocol", "DirectConnectModel", "SecretsManagerModel",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MKATests",
            dependencies: ["MKA", "AWSJSONProtocol", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AWSSigV4Tests",
            dependencies: ["AWSSigV4", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DirectConnectTests",
            dependencies: [
                "DirectConnect", "DirectConnectModel", "SecretsManagerModel", "AWSJSONProtocol", "Storage",
                "ServiceKit", "MKA",
                "EC2",
                "EC2Model",
                "SecretsManager",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "EC2Tests",
            dependencies: [
                "EC2", "EC2Model", "AWSQueryProtocol", "AWSJSONProtocol", "Storage", "ServiceKit",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "StorageTestSupport",
                "Storage", "StorageSQLite", "StoragePostgres", "AWSJSONProtocol",
                .product(name: "Logging", package: "swift-log"),
                // SQLiteStoreTests reads the rows the store wrote, beside the store.
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DXServerTests",
            dependencies: [
                "StorageTestSupport",
                "ServiceKit",
                "DXDispatch",
                "DXServer",
                "DirectConnect",
                "DirectConnectModel",
                "EC2Model",
                "AWSJSONProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                "Storage",
                "StorageSQLite",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DirectConnectClientTests",
            dependencies: [
                "StorageTestSupport",
                "ServiceKit",
                "DirectConnectClient",
                "SecretsManagerClient",
                "AWSClientRuntime",
                "AWSSigV4",
                "DirectConnectModel",
                "SecretsManagerModel",
                "dxlocal",
                "DXDispatch",
                "DXServer",
                "DirectConnect",
                "StorageSQLite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
    ]
)

// scripts/test builds the storage tests under ThreadSanitizer with DXLOCAL_TEST_TARGET=StorageTests: the package is
// that test target and the targets it reaches, so that the sanitizer's build compiles neither the server nor the
// client nor the packages only they use (HTTP server and client, YAML, metrics' exporter).
if let only = Context.environment["DXLOCAL_TEST_TARGET"] {
    let byName = Dictionary(uniqueKeysWithValues: package.targets.map { ($0.name, $0) })
    var kept: Set<String> = []
    var next = [only]
    while let name = next.popLast() {
        guard let target = byName[name], kept.insert(name).inserted else { continue }
        for dependency in target.dependencies {
            switch dependency {
            case .targetItem(let name, _), .byNameItem(let name, _): next.append(name)
            default: break
            }
        }
    }
    package.targets = package.targets.filter { kept.contains($0.name) }
    package.products = []
}
