import Yams

/// Reads a shard plan file (`--shard-plan`, `citybrain shard-plan`; YAML). Every problem is a
/// ``Diagnostic`` with its line; nothing is loaded if there is one.
///
/// ```yaml
/// shards: 3                      # shard-0, shard-1, shard-2; or a list of names
/// districts: [d01, d02, d03]     # every district of the city (topic prefixes, the printed plan)
/// pins: { d07: shard-1 }         # optional: a district kept on one shard whatever the ring says
/// virtual-nodes: 128             # optional: points per shard on the hash ring
/// ```
public enum ShardPlanLoader {
    public static func load(text: String, name: String) throws(PipelineErrors) -> ShardPlan {
        var diagnostics: [Diagnostic] = []
        func fail(_ mark: Mark?, _ message: String) {
            diagnostics.append(Diagnostic(file: name, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            fail(nil, "invalid YAML: \(error)")
            throw PipelineErrors(diagnostics)
        }
        guard case .mapping(let top)? = root else {
            fail(root?.mark, "a shard plan is a mapping with 'shards' and 'districts'")
            throw PipelineErrors(diagnostics)
        }
        let fields = ["shards", "districts", "pins", "virtual-nodes"]
        var shards: [String] = []
        var districts: [String] = []
        var pins: [String: String] = [:]
        var virtualNodes = ShardPlan.defaultVirtualNodes
        var shardsMark: Mark?
        for (key, value) in top {
            let field = key.scalar?.string ?? ""
            switch field {
            case "shards":
                shardsMark = value.mark
                if case .scalar(let scalar) = value, let count = Int(scalar.string) {
                    guard count >= 1, count <= 1_024 else {
                        fail(value.mark, "'shards' must be between 1 and 1024, not \(count)")
                        continue
                    }
                    shards = (0..<count).map { "shard-\($0)" }
                } else if let names = strings(value) {
                    shards = names
                } else {
                    fail(value.mark, "'shards' must be a number of shards or a list of shard names")
                }
            case "districts":
                if let names = strings(value) { districts = names } else { fail(value.mark, "'districts' must be a list of district names") }
            case "pins":
                guard case .mapping(let entries) = value else {
                    fail(value.mark, "'pins' must map districts to shards, e.g. { d07: shard-1 }")
                    continue
                }
                for (district, shard) in entries {
                    guard let districtName = district.scalar?.string, let shardName = shard.scalar?.string else {
                        fail(district.mark, "each pin is 'district: shard'")
                        continue
                    }
                    pins[districtName] = shardName
                }
            case "virtual-nodes":
                if let count = value.scalar.flatMap({ Int($0.string) }) { virtualNodes = count } else { fail(value.mark, "'virtual-nodes' must be a whole number") }
            default:
                fail(key.mark, "unknown field '\(field)' in the shard plan\(Suggestion.hint(for: field, in: fields)) (fields: \(fields.joined(separator: ", ")))")
            }
        }
        if shardsMark == nil { fail(root?.mark, "missing field 'shards'") }
        guard diagnostics.isEmpty else { throw PipelineErrors(diagnostics) }
        do {
            return try ShardPlan(shards: shards, districts: districts, pins: pins, virtualNodes: virtualNodes)
        } catch {
            fail(shardsMark, error.description)
            throw PipelineErrors(diagnostics)
        }
    }

    private static func strings(_ node: Node) -> [String]? {
        guard case .sequence(let items) = node else { return nil }
        let names = items.compactMap { $0.scalar?.string }
        return names.count == items.count ? names : nil
    }
}
