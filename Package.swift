// swift-tools-version: 6.1
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The pure engine's hot loop runs over final classes' stored properties; in release builds their
/// dynamic exclusivity checks cost about 3 % of end-to-end CPU (perf, docs/performance.md).
/// Static checks still apply, and debug builds (the tests) keep the dynamic ones.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "CityBrain",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "citybrain", targets: ["citybrain"]),
        .library(name: "CityBrainCore", targets: ["CityBrainCore"]),
        .library(name: "CityBrainHandling", targets: ["CityBrainHandling"]),
        .library(name: "CityBrainIO", targets: ["CityBrainIO"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Hummingbird's own dependencies, declared because CityBrainWeb imports them directly.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // HMAC-SHA256 signatures of webhook deliveries.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(name: "CMalloc"),
        // A header of one inline function: the CPU's prefetch hint, for the engine's hash lookups.
        .systemLibrary(name: "CPrefetch"),
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ"],
            swiftSettings: upcoming
        ),
        .target(
            name: "CityBrainCore",
            dependencies: [
                "CPrefetch",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: upcoming + hotPath
        ),
        // What operators do with alerts (acknowledge, assign, resolve, escalate): pure, like the engine.
        .target(name: "CityBrainHandling", dependencies: ["CityBrainCore"], swiftSettings: upcoming),
        .target(
            name: "CityBrainIO",
            dependencies: [
                "CityBrainCore",
                "CityBrainHandling",
                "ZeroMQ",
                "CZlib",
                "CMalloc",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "CityBrainBench",
            dependencies: [
                "CityBrainCore",
                "CityBrainIO",
                "ZeroMQ",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "CityBrainWeb",
            dependencies: [
                "CityBrainCore",
                "CityBrainHandling",
                "CityBrainIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "citybrain",
            dependencies: [
                "CityBrainCore",
                "CityBrainHandling",
                "CityBrainIO",
                "CityBrainBench",
                "CityBrainWeb",
                "ZeroMQ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming,
            // jemalloc replaces glibc's malloc in the whole process (libzmq's messages too): frames
            // are allocated on one thread and freed on another, where glibc's arenas contend
            // (docs/performance.md, "Prefetched keys, one deadline per key, jemalloc, smaller
            // trend states"). libjemalloc-dev; `make deps` installs it.
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
        ),
        // What several test targets share: collectors, bounded polling, temporary directories.
        .target(name: "CityBrainTesting", dependencies: ["CityBrainCore"], path: "Sources/CityBrainTesting", swiftSettings: upcoming),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"], swiftSettings: upcoming),
        .testTarget(name: "CityBrainCoreTests", dependencies: ["CityBrainCore"], swiftSettings: upcoming),
        .testTarget(name: "CityBrainHandlingTests", dependencies: ["CityBrainHandling", "CityBrainCore"], swiftSettings: upcoming),
        .testTarget(
            name: "CityBrainIOTests",
            dependencies: ["CityBrainIO", "CityBrainCore", "CityBrainHandling", "ZeroMQ", "CityBrainTesting"],
            // Read from beside the sources (#filePath), not bundled.
            exclude: ["Golden", "Labels"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CityBrainBenchTests",
            dependencies: ["CityBrainBench", "CityBrainIO", "CityBrainCore", "CityBrainTesting"],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CityBrainWebTests",
            dependencies: [
                "CityBrainWeb", "CityBrainIO", "CityBrainCore", "CityBrainHandling", "CityBrainTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "CityBrainCLITests",
            dependencies: ["citybrain", "CityBrainIO", "CityBrainTesting", .product(name: "Yams", package: "Yams")],
            swiftSettings: upcoming
        ),
    ]
)
