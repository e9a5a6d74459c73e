// swift-tools-version: 6.1
// CityBrain's micro-benchmarks (ordo-one/benchmark). A nested package, so the root package's
// `swift build` and CI never compile the benchmark toolchain. Run from this folder:
//   swift package benchmark                     # every suite
//   swift package benchmark --target StateMemory
// The root package is referenced by path; SwiftPM names it after its folder, `main` here.
import PackageDescription

let benchmark: Target.Dependency = .product(name: "Benchmark", package: "benchmark")
let core: Target.Dependency = .product(name: "CityBrainCore", package: "main")

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
