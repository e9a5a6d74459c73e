import ArgumentParser
import CityBrainCore
import CityBrainIO
import Foundation

/// `citybrain fuzz`: hammer the frame decoder and the pipeline loader with mutated inputs.
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Feed seeded, mutated inputs to the frame decoder and the pipeline loader and check their invariants.",
        discussion: """
        Input i is derived from the seed and i alone: a failure prints its index, and --show \
        prints that input again. Exit code 1 when an invariant fails (a crash ends the process; \
        the last progress line says how far it got).

        Examples (docs/operations.md, "Fuzzing"):
          citybrain fuzz --target decoder --inputs 10000000
          citybrain fuzz --target pipeline --inputs 100000 --seed 7
        """
    )

    @Option(name: .long, help: "decoder, pipeline or all.")
    var target: String = "all"

    @Option(name: .long, help: "Inputs per target.")
    var inputs: Int = 100_000

    @Option(name: .long, help: "Seed of the run.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "First input index (to resume or bisect a run).")
    var start: Int = 0

    @Option(name: .long, help: ArgumentHelp("Print input number N of the target and seed, and exit.", valueName: "N"))
    var show: Int?

    func validate() throws {
        guard target == "all" || FuzzDriver.Target(rawValue: target) != nil else { throw ValidationError("--target takes decoder, pipeline or all") }
        guard inputs > 0 else { throw ValidationError("--inputs must be positive") }
    }

    func run() throws {
        let targets = target == "all" ? FuzzDriver.Target.allCases : [FuzzDriver.Target(rawValue: target)!]
        if let show {
            FileHandle.standardOutput.write(Data(FuzzDriver.input(targets[0], seed: seed, index: show)))
            return
        }
        let console = Console()
        var failed = false
        for target in targets {
            let clock = SystemClock(), began = clock.uptimeNanoseconds
            let report = FuzzDriver.run(target, seed: seed, count: inputs, start: start) { done in
                let rate = Double(done) / max(clock.seconds(since: began), 0.001)
                console.showStatus("\(target.rawValue): \(done) of \(inputs) inputs, \(Int(rate))/s (seed \(seed), from \(start))")
            }
            console.clearStatus()
            let seconds = clock.seconds(since: began)
            let rejected = report.rejected.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            print("\(target.rawValue): \(report.inputs) inputs in \(String(format: "%.1f", seconds)) s, \(report.accepted) accepted, rejected: \(rejected.isEmpty ? "none" : rejected), \(report.failures.count) invariant failure(s)")
            for failure in report.failures.prefix(20) {
                print("  input \(failure.index): \(failure.problem)  (citybrain fuzz --target \(target.rawValue) --seed \(seed) --show \(failure.index))")
            }
            failed = failed || !report.failures.isEmpty
        }
        if failed { throw ExitCode.failure }
    }
}
