// swift-tools-version: 6.1
// CityBrain's micro-benchmarks (ordo-one/benchmark). A nested package, so the root package's
// `swift build` and CI never compile the benchmark toolchain. Run from this folder:
//   swift package benchmark                     # every suite
//   swift package benchmark --target StateMemory
// The root package is referenced by path. SwiftPM names a path dependency after its folder, so
// its identity is the name of the folder the repository was cloned into, whatever that is.
import Foundation
import PackageDescription

let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent.lowercased()
let benchmark: Target.Dependency = .product(name: "Benchmark", package: "benchmark")
let core: Target.Dependency = .product(name: "CityBrainCore", package: root)

let package = Package(
    name: "CityBrainBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "StateMemory",
            dependencies: [benchmark, core],
            path: "StateMemory",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CoreThroughput",
            dependencies: [benchmark, core],
            path: "CoreThroughput",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RuleEvaluation",
            dependencies: [benchmark, core],
            path: "RuleEvaluation",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
