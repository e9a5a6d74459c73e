import ArgumentParser
import CityBrainCore
import Foundation

/// `citybrain shard-plan`: which shard owns what, and whether a plan is sound.
struct ShardPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard-plan",
        abstract: "Check a shard plan and print which shard owns which districts (and the feed topics each subscribes to).",
        discussion: """
        The plan maps districts to shards by consistent hashing (see docs/scaling.md). With \
        --compare OLD, also lists the districts that move between the two plans, e.g. before \
        adding a shard. Exit code 0 when the plan is sound, 1 when it has errors (printed with \
        file and line).

        Examples:
          citybrain shard-plan deploy/shards.yaml
          citybrain shard-plan deploy/shards.yaml --shard shard-1 --topics
          citybrain shard-plan new.yaml --compare deploy/shards.yaml
        """
    )

    @Argument(help: ArgumentHelp("The shard plan (YAML).", valueName: "file"))
    var file: String = "deploy/shards.yaml"

    @Option(name: .long, help: ArgumentHelp("Print only this shard (a name, or a pod name ending in -<ordinal>).", valueName: "name"))
    var shard: String?

    @Flag(name: .long, help: "Print only the feed topic prefixes, one per line (for scripts).")
    var topics = false

    @Option(name: .long, help: ArgumentHelp("Another plan: list the districts that move between it and this one.", valueName: "file"))
    var compare: String?

    @OptionGroup var pipelineOptions: PipelineOptions

    func run() throws {
        let plan = try ShardOptions.load(file)
        var shards = plan.shards
        if let shard {
            guard let name = plan.shard(named: shard) else {
                throw ValidationError("--shard: '\(shard)' is not a shard of \(file) (shards: \(plan.shards.joined(separator: ", ")))")
            }
            shards = [name]
        }
        let kinds = try pipelineOptions.load().catalogue.kinds.map(\.rawValue)
        if topics {
            for name in shards { for prefix in plan.topicPrefixes(of: name, kinds: kinds) { Swift.print(prefix) } }
            return
        }
        Swift.print("\(file): ok, \(plan.shards.count) shard(s), \(plan.districts.count) district(s), \(plan.virtualNodes) point(s) per shard on the ring")
        if plan.districts.isEmpty {
            Swift.print("warning: no districts listed: shards subscribe only to events without a district; list the city's districts under 'districts:'")
        }
        let ideal = Double(plan.districts.count) / Double(plan.shards.count)
        for name in shards {
            let owned = plan.districts(of: name)
            let pinned = owned.filter { plan.pins[$0] != nil }
            var line = "\(name): \(owned.count) district(s)"
            if !plan.districts.isEmpty { line += String(format: " (%.2f× an even share)", Double(owned.count) / max(ideal, 1e-9)) }
            if !owned.isEmpty { line += ": " + owned.map { pinned.contains($0) ? "\($0) (pinned)" : $0 }.joined(separator: ", ") }
            Swift.print(line)
        }
        if let compare {
            let old = try ShardOptions.load(compare)
            let moves = plan.districts.compactMap { district -> String? in
                let before = old.owner(ofDistrict: district)
                let after = plan.owner(ofDistrict: district)
                return before == after ? nil : "  \(district): \(before) → \(after)"
            }
            Swift.print("against \(compare): \(moves.count) of \(plan.districts.count) district(s) move")
            for move in moves { Swift.print(move) }
        }
    }
}
