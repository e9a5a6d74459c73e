import Foundation
import Yams

// The pipeline-wide settings: watermark, state, departments (storm limits), time zone and declared measurements.
extension PipelineFileReader {
    mutating func watermark(_ node: Node) -> WatermarkPolicy? {
        guard let mapping = mapping(node, field: "watermark") else { return nil }
        checkKeys(mapping, allowed: ["max_out_of_orderness", "idle_timeout", "close_spread", "sources"], in: "watermark")
        var policy = WatermarkPolicy()
        if let bound = duration(mapping["max_out_of_orderness"], field: "max_out_of_orderness", allowZero: true) { policy.maxOutOfOrderness = bound }
        if let idle = duration(mapping["idle_timeout"], field: "idle_timeout") { policy.idleTimeout = idle }
        if let spread = duration(mapping["close_spread"], field: "close_spread", allowZero: true) { policy.closeSpread = spread }
        if let sourcesNode = mapping["sources"], let sources = self.mapping(sourcesNode, field: "sources") {
            for (key, value) in sources {
                let name = key.scalar?.string ?? ""
                guard let kind = knownKind(name, at: key, usedIn: "under 'watermark: sources' (sources are feed kinds)") else { continue }
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

    /// `kinds: { <name>: { description, measurements: { <name>: { unit, range, description } } } }`:
    /// kinds of feed beyond the built-in ones, with their measurements.
    mutating func kinds(_ node: Node) -> [(KindDeclaration, [MeasurementDeclaration])] {
        guard let kinds = mapping(node, field: "kinds") else { return [] }
        var result: [(KindDeclaration, [MeasurementDeclaration])] = []
        for (nameNode, settingsNode) in kinds {
            let name = nameNode.scalar?.string ?? ""
            guard let kind = EventKind(rawValue: name) else {
                error(at: nameNode, "kind name '\(name)' must be 1–\(EventKind.maxNameBytes) characters of a-z, 0-9, '_' and '-', starting with a letter")
                continue
            }
            guard !knownKinds.contains(kind) else {
                error(at: nameNode, kind.isBuiltIn ? "'\(name)' is a built-in kind; add measurements to it under 'measurements: \(name):'" : "kind '\(name)' is already declared")
                continue
            }
            var declaration = KindDeclaration(kind: kind)
            var measurements: [MeasurementDeclaration] = []
            if let settings = settingsNode.mapping {
                checkKeys(settings, allowed: PipelineVocabulary.kindDeclarationFields, in: "kind '\(name)'")
                declaration.description = string(settings["description"], field: "description")
                if let measurementsNode = settings["measurements"], let fields = mapping(measurementsNode, field: "measurements") {
                    measurements = measurementDeclarations(fields, of: kind)
                }
            } else if settingsNode.scalar?.string.isEmpty == false {
                error(at: settingsNode, "kind '\(name)' must be a mapping such as { description: River gauges, measurements: { level_cm: { unit: cm } } }")
                continue
            }
            if measurements.isEmpty {
                error(at: nameNode, "kind '\(name)' declares no measurements; rules need at least one (measurements: { <name>: { unit: … } })")
            }
            knownKinds.append(kind)
            result.append((declaration, measurements))
        }
        return result
    }

    /// `measurements: { <kind>: { <name>: { unit, range: [low, high], description } } }`.
    mutating func measurements(_ node: Node) -> [MeasurementDeclaration] {
        guard let kinds = mapping(node, field: "measurements") else { return [] }
        var result: [MeasurementDeclaration] = []
        for (kindNode, fieldsNode) in kinds {
            let name = kindNode.scalar?.string ?? ""
            guard let kind = knownKind(name, at: kindNode, usedIn: "under 'measurements'") else { continue }
            guard let fields = mapping(fieldsNode, field: name) else { continue }
            result += measurementDeclarations(fields, of: kind)
        }
        return result
    }

    /// The measurements of one kind: `{ <name>: { unit, range: [low, high], description } }`.
    private mutating func measurementDeclarations(_ fields: Node.Mapping, of kind: EventKind) -> [MeasurementDeclaration] {
        var result: [MeasurementDeclaration] = []
        let name = kind.rawValue
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
            if declared[kind]?.contains(field) == true || result.contains(where: { $0.name == field }) {
                error(at: fieldNode, "measurement '\(field)' of \(name) is already declared")
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
        return result
    }
}
