import Foundation
import Yams

/// Reads pipeline files (YAML) into a checked ``Pipeline``, or reports **every** problem with
/// file, line and column, and a suggestion where a name looks misspelt.
///
/// ```yaml
/// name: city
/// watermark:
///   max_out_of_orderness: 5s
/// rules:
///   - name: traffic-congestion
///     match: { kind: traffic }
///     window: { tumbling: 1m }
///     when: mean(speed_kmh) < 20 and mean(occupancy) > 0.35
///     severity: warning
///     department: traffic-police
///     message: "Congestion on {sensor}: {mean(speed_kmh)} km/h"
/// outputs:
///   - name: speed-5m
///     match: { kind: traffic }
///     window: { sliding: { size: 5m, slide: 1m } }
///     aggregates: [mean(speed_kmh), p95(speed_kmh)]
/// ```
///
/// Several files load together: their rules and outputs are concatenated in order, names must be
/// unique across them, and at most one may set `watermark` or `state`. The language is documented
/// in `docs/pipeline-language.md`.
public enum PipelineLoader {
    /// Loads one or more files as one pipeline.
    public static func load(_ sources: [PipelineSource]) throws(PipelineErrors) -> Pipeline {
        var reader = PipelineFileReader()
        var pipeline = Pipeline(rules: [])
        var names: [String: Diagnostic] = [:]
        var settingsFrom: [String: String] = [:]
        var pipelineNames: [String] = []
        var correlationNodes: [Node] = []
        var correlationFiles: [String] = []
        var documents: [(source: PipelineSource, document: Node, top: Node.Mapping)] = []
        for source in sources {
            reader.file = source.name
            guard let document = reader.compose(source) else { continue }
            guard let top = document.mapping else {
                reader.error(at: document, "a pipeline file must be a mapping with 'rules:' and/or 'outputs:'")
                continue
            }
            documents.append((source, document, top))
        }
        // Kinds and measurements first, from every file: a rule may watch a kind another file declares.
        for (source, _, top) in documents {
            reader.file = source.name
            guard let node = top["kinds"] else { continue }
            for (kind, measurements) in reader.kinds(node) {
                pipeline.kinds.append(kind)
                pipeline.measurements += measurements
                reader.declared[kind.kind, default: []].formUnion(measurements.map(\.name))
            }
        }
        for (source, _, top) in documents {
            reader.file = source.name
            guard let node = top["measurements"] else { continue }
            for declaration in reader.measurements(node) {
                pipeline.measurements.append(declaration)
                reader.declared[declaration.kind, default: []].insert(declaration.name)
            }
        }
        for (source, document, top) in documents {
            reader.file = source.name
            reader.checkKeys(top, allowed: PipelineVocabulary.topLevelFields, in: "the pipeline")
            if let name = reader.string(top["name"], field: "name") { pipelineNames.append(name) }
            if let node = top["departments"] {
                for (department, policy) in reader.departments(node) {
                    if department == "default" {
                        pipeline.defaultStorm = policy
                        continue
                    }
                    if pipeline.departments[department] != nil {
                        reader.error(at: node, "department '\(department)' already has a storm limit")
                    }
                    pipeline.departments[department] = policy
                }
            }
            for setting in ["timezone", "watermark", "state"] {
                guard let node = top[setting] else { continue }
                if let first = settingsFrom[setting] {
                    reader.error(at: node, "'\(setting)' is already set in \(first); set it in one file only")
                    continue
                }
                settingsFrom[setting] = source.name
                if setting == "timezone" {
                    if let zone = reader.timeZone(node) {
                        pipeline.timeZone = zone
                        reader.timeZone = zone
                    }
                } else if setting == "watermark" {
                    if let policy = reader.watermark(node) { pipeline.watermark = policy }
                } else if let ttl = reader.state(node) {
                    pipeline.keyTTL = ttl
                }
            }
            if top["rules"] == nil && top["outputs"] == nil {
                reader.error(at: document, "missing 'rules:' (a list of rules) or 'outputs:' (a list of window outputs)")
            }
            func register(_ name: String, at node: Node) -> Bool {
                if let previous = names[name] {
                    reader.error(at: node, "name '\(name)' is already used at \(previous.file):\(previous.line)")
                    return false
                }
                names[name] = reader.diagnostic(at: node, "")
                return true
            }
            for ruleNode in reader.list(top["rules"], field: "rules", item: "rule") {
                if ruleNode["kind"]?.scalar?.string == "correlation" {
                    guard let rule = reader.correlation(ruleNode), register(rule.name, at: ruleNode["name"] ?? ruleNode) else { continue }
                    pipeline.correlations.append(rule)
                    correlationNodes.append(ruleNode)
                    correlationFiles.append(source.name)
                } else {
                    guard let rule = reader.rule(ruleNode), register(rule.name, at: ruleNode["name"] ?? ruleNode) else { continue }
                    pipeline.rules.append(rule)
                }
            }
            for outputNode in reader.list(top["outputs"], field: "outputs", item: "output") {
                guard let output = reader.output(outputNode), register(output.name, at: outputNode["name"] ?? outputNode) else { continue }
                pipeline.outputs.append(output)
            }
        }
        // Correlations name other rules, which may come from any file.
        let ruleNames = Set(pipeline.rules.map(\.name))
        for (index, correlation) in pipeline.correlations.enumerated() {
            reader.file = correlationFiles[index]
            for member in correlation.members where !ruleNames.contains(member) {
                let node = correlationNodes[index]["all_of"] ?? correlationNodes[index]["of"] ?? correlationNodes[index]
                reader.error(at: node, "correlation '\(correlation.name)' names rule '\(member)', which does not exist\(Suggestion.hint(for: member, in: ruleNames))")
            }
        }
        if reader.diagnostics.isEmpty && pipeline.rules.isEmpty && pipeline.outputs.isEmpty {
            reader.diagnostics.append(Diagnostic(file: sources.first?.name ?? "<none>", line: 1, column: 1, message: "the pipeline has no rules and no outputs"))
        }
        guard reader.diagnostics.isEmpty else {
            let order = Dictionary(sources.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
            throw PipelineErrors(reader.diagnostics.enumerated().sorted { a, b in
                let (x, y) = (a.element, b.element)
                if x.file != y.file { return (order[x.file] ?? 0) < (order[y.file] ?? 0) }
                if x.line != y.line { return x.line < y.line }
                if x.column != y.column { return x.column < y.column }
                return a.offset < b.offset
            }.map(\.element))
        }
        pipeline.name = pipelineNames.first ?? "pipeline"
        pipeline.sources = sources
        return pipeline
    }

    /// Loads a single file's text.
    public static func load(yaml: String, file: String = "<pipeline>") throws(PipelineErrors) -> Pipeline {
        try load([PipelineSource(name: file, text: yaml)])
    }
}
