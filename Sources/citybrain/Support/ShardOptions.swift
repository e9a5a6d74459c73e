import ArgumentParser
import CityBrainCore
import Foundation

/// `--shard-plan` and `--shard`: which part of a sharded city this run is.
struct ShardOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Shard plan (YAML: shards, districts, pins; see docs/scaling.md). With --shard, this run keeps only its shard's districts.",
                                            valueName: "file"))
    var shardPlan: String?

    @Option(name: .long, help: ArgumentHelp("This run's shard in --shard-plan: its name, or a StatefulSet pod name ending in -<ordinal> for shard-<ordinal>.",
                                            valueName: "name"))
    var shard: String?

    func validate() throws {
        if (shardPlan == nil) != (shard == nil) { throw ValidationError("--shard-plan and --shard go together: give both, or neither") }
    }

    /// The filter of this run's shard, if it is one; a plan with errors is printed and exits 1.
    func filter() throws -> ShardFilter? {
        guard let shardPlan, let shard else { return nil }
        let plan = try Self.load(shardPlan)
        guard let name = plan.shard(named: shard) else {
            throw ValidationError("--shard: '\(shard)' is not a shard of \(shardPlan) (shards: \(plan.shards.joined(separator: ", ")))")
        }
        return ShardFilter(plan: plan, shard: name)
    }

    /// The plan at `path`; its problems are printed on standard error and exit with 1.
    static func load(_ path: String) throws -> ShardPlan {
        let text = try ConfigurationFile.read(path, what: "the shard plan")
        return try ConfigurationFile.load { () throws(PipelineErrors) in try ShardPlanLoader.load(text: text, name: path) }
    }
}
