/// What a pipeline reload changed, by rule and output name.
public struct ReloadSummary: Sendable, Equatable, CustomStringConvertible {
    public var added: [String] = []
    public var removed: [String] = []
    /// Same name, new definition: starts with fresh state.
    public var changed: [String] = []
    /// Same definition: keeps its windows and alert state.
    public var kept: [String] = []

    public init() {}

    init(from old: Pipeline, to new: Pipeline) {
        let before = Self.definitions(old), after = Self.definitions(new)
        for (name, definition) in after.sorted(by: { $0.key < $1.key }) {
            switch before[name] {
            case nil: added.append(name)
            case definition?: kept.append(name)
            default: changed.append(name)
            }
        }
        removed = before.keys.filter { after[$0] == nil }.sorted()
    }

    /// Every rule, output and correlation by name, with its full definition.
    private static func definitions(_ pipeline: Pipeline) -> [String: AnyHashable] {
        var result: [String: AnyHashable] = [:]
        for rule in pipeline.rules { result[rule.name] = AnyHashable(rule) }
        for output in pipeline.outputs { result[output.name] = AnyHashable(output) }
        for correlation in pipeline.correlations { result[correlation.name] = AnyHashable(correlation) }
        return result
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// `added: a; removed: b; changed: c; kept 9`.
    public var description: String {
        var parts: [String] = []
        if !added.isEmpty { parts.append("added: \(added.joined(separator: ", "))") }
        if !removed.isEmpty { parts.append("removed: \(removed.joined(separator: ", "))") }
        if !changed.isEmpty { parts.append("changed: \(changed.joined(separator: ", "))") }
        parts.append("kept \(kept.count)")
        return parts.joined(separator: "; ")
    }
}
