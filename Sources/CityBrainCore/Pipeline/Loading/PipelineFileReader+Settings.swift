import Foundation
import Yams

// The pipeline-wide settings: watermark, state, departments (storm limits), time zone and declared measurements.
extension PipelineFileReader {
    mutating func watermark(_ node: Node) -> WatermarkPolicy? {
        guard let mapping = mapping(node, field: "watermark") else { return nil }
        checkKeys(mapping, allowed: ["max_out_of_orderness", "idle_timeout", "sources"], in: "watermark")
        var policy = WatermarkPolicy()
        if let bound = duration(mapping["max_out_of_orderness"], field: "max_out_of_orderness", allowZero: true) { policy.maxOutOfOrderness = bound }
        if let idle = duration(mapping["idle_timeout"], field: "idle_timeout") { policy.idleTimeout = idle }
        if let sourcesNode = mapping["sources"], let sources = self.mapping(sourcesNode, field: "sources") {
            for (key, value) in sources {
                let name = key.scalar?.string ?? ""
                guard let kind = EventKind(rawValue: name) else {
                    let kinds = EventKind.allCases.map(\.rawValue)
                    error(at: key, "unknown source '\(name)'\(Suggestion.hint(for: name, in: kinds)) (sources are feed kinds: \(kinds.joined(separator: ", ")))")
                    continue
                }
                if let settings = value.mapping {
                    checkKeys(settings, allowed: ["max_out_of_orderness"], in: "source '\(name)'")
                    if let bound = duration(settings["max_out_of_orderness"], field: "max_out_of_orderness", allowZero: true) {
                        policy.sources[kind] = bound
                    } else if settings["max_out_of_orderness"] == nil {
                        error(at: value, "source '\(name)' needs 'max_out_of_orderness: <duration>'")
                    }
                } else if let bound = duration(value, field: name, allowZero: true) {
                    policy.sources[kind] = bound
                }
            }
            if sources.isEmpty { error(at: sourcesNode, "'sources' is empty; remove it or give a bound per feed kind") }
        }
        return policy
    }

    /// The key TTL: a duration, or `none` to keep keys forever (`nil` means "not given").
    mutating func state(_ node: Node) -> Int64?? {
        guard let mapping = mapping(node, field: "state") else { return nil }
        checkKeys(mapping, allowed: ["key_ttl"], in: "state")
        guard let ttlNode = mapping["key_ttl"] else { return nil }
        if ttlNode.scalar?.string == "none" { return .some(nil) }
        return duration(ttlNode, field: "key_ttl").map { .some($0) }
    }

    mutating func departments(_ node: Node) -> [(String, StormPolicy)] {
        guard let mapping = mapping(node, field: "departments") else { return [] }
        var result: [(String, StormPolicy)] = []
        for (key, value) in mapping {
            guard let name = key.scalar?.string, let settings = self.mapping(value, field: name) else { continue }
            checkKeys(settings, allowed: ["storm_limit", "storm_window"], in: "department '\(name)'")
            guard let limit = settings["storm_limit"].flatMap({ count($0, field: "storm_limit", in: value, context: name) }) else {
                if settings["storm_limit"] == nil { error(at: value, "department '\(name)' needs 'storm_limit: <alerts per window>'") }
                continue
            }
            let window = settings["storm_window"].flatMap { duration($0, field: "storm_window") } ?? 60_000
            result.append((name, StormPolicy(limit: limit, window: window)))
        }
        return result
    }

    mutating func timeZone(_ node: Node) -> LocalTimeZone? {
        guard let text = string(node, field: "timezone") else { return nil }
        guard let zone = LocalTimeZone(identifier: text) else {
            error(at: node, "unknown time zone '\(text)' (an IANA name such as Europe/Berlin, America/Chicago or UTC)")
            return nil
        }
        return zone
    }

    /// `measurements: { <kind>: { <name>: { unit, range: [low, high], description } } }`.
    mutating func measurements(_ node: Node) -> [MeasurementDeclaration] {
        guard let kinds = mapping(node, field: "measurements") else { return [] }
        var result: [MeasurementDeclaration] = []
        for (kindNode, fieldsNode) in kinds {
            let name = kindNode.scalar?.string ?? ""
            guard let kind = EventKind(rawValue: name) else {
                let names = EventKind.allCases.map(\.rawValue)
                error(at: kindNode, "unknown kind '\(name)'\(Suggestion.hint(for: name, in: names)) under 'measurements' (kinds: \(names.joined(separator: ", ")))")
                continue
            }
            guard let fields = mapping(fieldsNode, field: name) else { continue }
            for (fieldNode, settingsNode) in fields {
                let field = fieldNode.scalar?.string ?? ""
                guard !field.isEmpty, field.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isLowercase || ("0"..."9").contains($0) || $0 == "_") }),
                      !("0"..."9").contains(field.first!) else {
                    error(at: fieldNode, "measurement name '\(field)' may use only a-z, 0-9 and '_', and must not start with a digit")
                    continue
                }
                if MeasurementLimits.range(of: field, for: kind) != nil {
                    error(at: fieldNode, "'\(field)' is already a built-in measurement of \(name)")
                    continue
                }
                var declaration = MeasurementDeclaration(kind: kind, name: field)
                if let settings = settingsNode.mapping {
                    checkKeys(settings, allowed: PipelineVocabulary.measurementFields, in: "measurement '\(field)'")
                    declaration.unit = string(settings["unit"], field: "unit")
                    declaration.description = string(settings["description"], field: "description")
                    if let rangeNode = settings["range"] {
                        let bounds = (rangeNode.sequence.map(Array.init) ?? []).compactMap { number($0, field: "range") }
                        if bounds.count == 2, bounds[0] <= bounds[1] {
                            declaration.range = bounds[0]...bounds[1]
                        } else {
                            error(at: rangeNode, "'range' must be a list of two numbers, low then high, such as [0, 100]")
                        }
                    }
                } else if settingsNode.scalar?.string.isEmpty == false {
                    error(at: settingsNode, "measurement '\(field)' must be a mapping such as { unit: m, range: [0, 10] }")
                }
                result.append(declaration)
            }
        }
        return result
    }
}
