import Yams

/// Reads a feed mapping file (`--feed-mapping`, YAML; see `docs/feed-formats.md`), checked
/// against the pipeline's kinds and measurements. Every problem is a ``Diagnostic`` with its
/// line; nothing is loaded if there is one.
///
/// ```yaml
/// measurements:                  # a name in the feed → the catalogue's (SenML and NGSI-LD)
///   temp: temperature_c
/// senml:
///   devices:                     # names that are not <kind>.<district>.<sensor>/<measurement>
///     - { prefix: "urn:dev:ow:10e2073a01080063:", kind: environment, sensor: ow-63, district: north }
/// ngsi-ld:
///   models:                      # entity types beyond the built-in FIWARE models
///     WaterLevelObserved:
///       kind: water
///       attributes:
///         height: { measurement: level_cm, unit: m }
/// ```
public enum FeedMappingLoader {
    public static func load(text: String, name: String, catalogue: MeasurementCatalogue) throws(PipelineErrors) -> FeedMapping {
        var reader = Reader(file: name, catalogue: catalogue)
        let mapping = reader.read(text)
        guard reader.diagnostics.isEmpty, let mapping else { throw PipelineErrors(reader.diagnostics) }
        return mapping
    }

    private struct Reader {
        let file: String
        let catalogue: MeasurementCatalogue
        var diagnostics: [Diagnostic] = []

        mutating func read(_ text: String) -> FeedMapping? {
            let root: Node?
            do {
                root = try Yams.compose(yaml: text)
            } catch let error as YamlError {
                if case .scanner(_, let problem, let mark, _) = error {
                    fail(at: mark, "invalid YAML: \(problem)")
                } else if case .parser(_, let problem, let mark, _) = error {
                    fail(at: mark, "invalid YAML: \(problem)")
                } else {
                    diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "invalid YAML: \(error)"))
                }
                return nil
            } catch {
                diagnostics.append(Diagnostic(file: file, line: 1, column: 1, message: "invalid YAML: \(error)"))
                return nil
            }
            guard let root else { return FeedMapping() }
            guard let top = mapping(root, "the mapping file", keys: ["measurements", "senml", "ngsi-ld"]) else { return nil }
            var measurements: [String: String] = [:]
            var devices: [FeedMapping.Device] = []
            var models: [String: NGSIModel] = [:]
            if let node = top["measurements"], let entries = mapping(node, "'measurements'", keys: nil) {
                for (key, value) in entries {
                    if let target = scalar(value, "measurement for '\(key)'") { measurements[key] = target }
                }
            }
            if let node = top["senml"], let senml = mapping(node, "'senml'", keys: ["devices"]), let list = senml["devices"] {
                guard case .sequence(let sequence) = list else {
                    fail(at: list.mark, "'senml.devices' must be a list of devices")
                    return nil
                }
                for node in sequence {
                    guard let fields = mapping(node, "a SenML device", keys: ["prefix", "kind", "sensor", "district", "measurement"]) else { continue }
                    guard let prefix = required(fields, "prefix", node), let kindName = required(fields, "kind", node),
                          let sensor = required(fields, "sensor", node), let kind = kind(kindName, at: fields["kind"]) else { continue }
                    let measurement = fields["measurement"].flatMap { scalar($0, "'measurement'") }
                    if let measurement { check(measurement, of: kind, at: fields["measurement"]) }
                    devices.append(FeedMapping.Device(prefix: prefix, kind: kind, sensor: sensor,
                                                      district: fields["district"].flatMap { scalar($0, "'district'") }, measurement: measurement))
                }
            }
            if let node = top["ngsi-ld"], let ngsi = mapping(node, "'ngsi-ld'", keys: ["models"]), let list = ngsi["models"],
               let entries = mapping(list, "'ngsi-ld.models'", keys: nil) {
                for (type, node) in entries {
                    guard let fields = mapping(node, "model '\(type)'", keys: ["kind", "attributes"]),
                          let kindName = required(fields, "kind", node), let kind = kind(kindName, at: fields["kind"]) else { continue }
                    var attributes: [String: NGSIModel.Attribute] = [:]
                    if let list = fields["attributes"], let entries = mapping(list, "the attributes of '\(type)'", keys: nil) {
                        for (attribute, node) in entries {
                            if case .scalar(let target) = node {
                                check(target.string, of: kind, at: node)
                                attributes[attribute] = NGSIModel.Attribute(target.string)
                            } else if let fields = mapping(node, "attribute '\(attribute)'", keys: ["measurement", "unit"]),
                                      let measurement = required(fields, "measurement", node) {
                                check(measurement, of: kind, at: fields["measurement"])
                                let unit = fields["unit"].flatMap { scalar($0, "'unit'") }
                                if let unit, let at = fields["unit"], MeasurementUnit.named(unit) == nil, unit != catalogue.unit(of: measurement, for: kind) {
                                    fail(at: at.mark, "unknown unit '\(unit)' (SenML units such as km/h, m/s, Cel, %RH, ug/m3, cm, count)")
                                }
                                attributes[attribute] = NGSIModel.Attribute(measurement, unit: unit)
                            }
                        }
                    }
                    models[type] = NGSIModel(kind: kind, attributes: attributes)
                }
            }
            return FeedMapping(devices: devices, measurements: measurements, models: models)
        }

        /// The entries of a mapping node, in order; reports other node types and keys not in `keys`.
        mutating func mapping(_ node: Node, _ what: String, keys: [String]?) -> [(String, Node)]? {
            guard case .mapping(let mapping) = node else {
                fail(at: node.mark, "\(what) must be a mapping")
                return nil
            }
            var entries: [(String, Node)] = []
            for (key, value) in mapping {
                let name = key.scalar?.string ?? ""
                if let keys, !keys.contains(name) {
                    fail(at: key.mark, "unknown field '\(name)' in \(what)\(Suggestion.hint(for: name, in: keys)) (fields: \(keys.joined(separator: ", ")))")
                    continue
                }
                entries.append((name, value))
            }
            return entries
        }

        mutating func scalar(_ node: Node, _ what: String) -> String? {
            guard case .scalar(let scalar) = node else {
                fail(at: node.mark, "\(what) must be a single value")
                return nil
            }
            return scalar.string
        }

        mutating func required(_ fields: [(String, Node)], _ key: String, _ node: Node) -> String? {
            guard let value = fields[key] else {
                fail(at: node.mark, "missing field '\(key)'")
                return nil
            }
            return scalar(value, "'\(key)'")
        }

        mutating func kind(_ name: String, at node: Node?) -> EventKind? {
            guard let kind = catalogue.kind(named: name) else {
                let names = catalogue.kinds.map(\.rawValue)
                fail(at: node?.mark, "unknown kind '\(name)'\(Suggestion.hint(for: name, in: names)) (kinds: \(names.joined(separator: ", ")); declare others under 'kinds:' in the pipeline)")
                return nil
            }
            return kind
        }

        /// A mapped measurement should be one the pipeline knows, or its rules cannot see it.
        mutating func check(_ measurement: String, of kind: EventKind, at node: Node?) {
            guard !catalogue.knows(measurement, for: kind) else { return }
            let names = catalogue.measurements(of: kind)
            fail(at: node?.mark, "unknown measurement '\(measurement)' for kind \(kind)\(Suggestion.hint(for: measurement, in: names)) (measurements: \(names.joined(separator: ", ")))")
        }

        mutating func fail(at mark: Mark?, _ message: String) {
            diagnostics.append(Diagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
        }
    }
}

private extension [(String, Node)] {
    subscript(key: String) -> Node? {
        first { $0.0 == key }?.1
    }
}
