/// Decodes FIWARE Smart Data Models delivered as NGSI-LD entities into events.
///
/// - A frame is an entity, an array of entities, or a notification (`data: [...]`).
/// - Both representations: **normalized** (`{"type":"Property","value":52,"unitCode":"KMH",
///   "observedAt":"…"}`) and **keyValues** (`52`).
/// - The sensor is what follows `urn:ngsi-ld:<Type>:` in the entity id
///   (`urn:ngsi-ld:TrafficFlowObserved:seg-17` → `seg-17`; see ``sensor(fromID:)``); the district
///   is `areaServed`, or `address.addressLocality`.
/// - Event time is an attribute's `observedAt`, else the entity's `dateObserved` (the end of an
///   interval), `dateObservedTo`, or `dateModified`. Attributes observed at different times
///   become separate events.
/// - Models: ``NGSIModel/builtIn`` and those of the mapping file. `intensity` (vehicles over the
///   observation period) becomes `flow_vph` when the period is known; parking models give
///   `occupied` and `capacity` from `occupiedSpotNumber`, `availableSpotNumber`,
///   `totalSpotNumber` or a spot's `status`.
/// - An entity that cannot be read is rejected on its own, with its index and id.
struct NGSILDDecoder: Sendable {
    let catalogue: MeasurementCatalogue
    let mapping: FeedMapping

    func decode(_ root: JSONValue) throws(FrameRejection) -> FrameContent {
        let entities: [JSONValue]
        switch root {
        case .array(let elements):
            entities = elements
        case .object where root["type"]?.string == "Notification":
            guard case .array(let elements)? = root["data"] else {
                throw FrameRejection(.missingField, "the notification has no 'data' array of entities")
            }
            entities = elements
        case .object:
            entities = [root]
        default:
            throw FrameRejection(.malformedJSON, "an NGSI-LD frame is an entity, an array of entities or a notification, found \(root.typeDescription)")
        }
        guard !entities.isEmpty else { throw FrameRejection(.missingField, "the frame has no entities") }
        var events = EventAssembler()
        var rejected: [FrameRejection] = []
        for (index, entity) in entities.enumerated() {
            let label = entities.count > 1 || root["type"]?.string == "Notification" ? "entity \(index)" : "entity"
            let id = entity["id"]?.string.map { " (\($0.prefix(80)))" } ?? ""
            var entityRejections: [FrameRejection] = []
            do throws(FrameRejection) {
                let added = try read(entity, into: &events, rejected: &entityRejections)
                if added == 0 {
                    throw entityRejections.popLast() ?? FrameRejection(.missingField, "no attribute gives a measurement CityBrain knows")
                }
            } catch {
                entityRejections.append(error)
            }
            rejected += entityRejections.map { FrameRejection($0.reason, "\(label)\(id): \($0.detail)") }
        }
        return try FrameContent.combining(events.events, rejected: rejected)
    }

    /// Adds the readings of one entity; returns how many. A reading that cannot be read is
    /// rejected alone (into `rejected`); a problem with the entity as a whole is thrown.
    private func read(_ entity: JSONValue, into events: inout EventAssembler, rejected: inout [FrameRejection]) throws(FrameRejection) -> Int {
        guard case .object(let members) = entity else { throw FrameRejection(.malformedJSON, "must be an object, found \(entity.typeDescription)") }
        guard let id = entity["id"]?.string, !id.isEmpty else { throw FrameRejection(.missingField, "required member 'id' is missing") }
        guard let fullType = entity["type"]?.string else { throw FrameRejection(.missingField, "required member 'type' is missing") }
        let type = Self.shortName(fullType)
        guard let model = mapping.models[type] ?? NGSIModel.builtIn[type] else {
            let known = Set(NGSIModel.builtIn.keys).union(mapping.models.keys).sorted().joined(separator: ", ")
            throw FrameRejection(.unknownModel, "entity type '\(type.prefix(60))' is not a model CityBrain reads (\(known)); map it in the mapping file")
        }
        let sensor = Self.sensor(fromID: id)
        let district = (entity["areaServed"].flatMap(Self.value)?.string)
            ?? (entity["address"].flatMap(Self.value)?["addressLocality"]).flatMap { Self.value(of: $0)?.string }
        let period = Self.observationPeriod(entity)
        let entityTime = period?.end ?? entity["dateModified"].flatMap(Self.time)
        var added = 0

        func add(_ measurement: String, _ value: Double, unit: String?, observedAt: Int64?, attribute: String) {
            do throws(FrameRejection) {
                guard let time = observedAt ?? entityTime else {
                    throw FrameRejection(.missingField, "no observation time for '\(attribute)' (observedAt, dateObserved or dateModified)")
                }
                let reading = try catalogue.reading(measurement, value, unit: unit, kind: model.kind)
                try events.add(reading, kind: model.kind, sensor: sensor, district: district, at: time)
                added += 1
            } catch {
                rejected.append(error)
            }
        }
        func number(_ member: JSONMember) -> (value: Double, unit: String?, observedAt: Int64?)? {
            do throws(FrameRejection) {
                return try property(member)
            } catch {
                rejected.append(error)
                return nil
            }
        }
        /// A named attribute's number, for the readings that need more than a renaming.
        func number(_ name: String) -> (value: Double, unit: String?, observedAt: Int64?)? {
            members.first { $0.key == name }.flatMap(number)
        }
        for member in members {
            // A model's attribute, or one named like a measurement of the model's kind (NGSI-LD
            // entities are open: a city may add `water_level_cm` to its AirQualityObserved).
            let attribute = model.attributes[member.key]
                ?? mapping.measurements[member.key].map { NGSIModel.Attribute($0) }
                ?? (catalogue.knows(member.key, for: model.kind) ? NGSIModel.Attribute(member.key) : nil)
            if let attribute, let property = number(member) {
                add(attribute.measurement, property.value, unit: property.unit ?? attribute.unit, observedAt: property.observedAt, attribute: member.key)
            }
        }
        // What needs more than a renaming.
        switch type {
        case "TrafficFlowObserved" where model.attributes["intensity"] == nil:
            if let intensity = number("intensity") {
                if let period, let start = period.start, period.end > start {
                    add("flow_vph", intensity.value * 3_600_000 / Double(period.end - start), unit: nil, observedAt: intensity.observedAt, attribute: "intensity")
                } else {
                    rejected.append(FrameRejection(.missingField, "'intensity' counts vehicles over the observation period, and the entity gives none (dateObservedFrom/dateObservedTo, or dateObserved as an interval)"))
                }
            }
        case "OffStreetParking", "OnStreetParking":
            let total = number("totalSpotNumber")
            if let total { add("capacity", total.value, unit: nil, observedAt: total.observedAt, attribute: "totalSpotNumber") }
            if let occupied = number("occupiedSpotNumber") {
                add("occupied", occupied.value, unit: nil, observedAt: occupied.observedAt, attribute: "occupiedSpotNumber")
            } else if let available = number("availableSpotNumber"), let total {
                add("occupied", max(0, total.value - available.value), unit: nil, observedAt: available.observedAt ?? total.observedAt,
                    attribute: "availableSpotNumber")
            }
        case "ParkingSpot":
            let status = entity["status"]
            let observedAt = status.flatMap { Self.member($0, "observedAt") }.flatMap(Self.time)
            let occupied: Double? = switch status.flatMap(Self.value)?.string {
            case "occupied": 1
            case "free": 0
            default: nil
            }
            if let occupied {
                add("occupied", occupied, unit: nil, observedAt: observedAt, attribute: "status")
                add("capacity", 1, unit: nil, observedAt: observedAt, attribute: "status")
            }
        default:
            break
        }
        return added
    }

    /// An attribute's number, unit (as a SenML unit) and observation time; `nil` for a value that
    /// is not a number (an attribute CityBrain has no use for is skipped, not rejected).
    private func property(_ member: JSONMember) throws(FrameRejection) -> (value: Double, unit: String?, observedAt: Int64?)? {
        guard let value = Self.value(of: member.value) else { return nil }
        guard case .number(let number) = value else {
            if case .null = value { return nil }
            throw FrameRejection(.wrongType, "attribute '\(member.key)' must be a number, found \(value.typeDescription)")
        }
        var unit: String?
        if let code = Self.member(member.value, "unitCode")?.string {
            guard let symbol = MeasurementUnit.symbol(forUNCode: code) else {
                throw FrameRejection(.unknownUnit, "unknown unitCode '\(code.prefix(20))' of '\(member.key)' (UN/CEFACT codes such as KMH, CEL, GQ, P1)")
            }
            unit = symbol
        }
        let observedAt = Self.member(member.value, "observedAt").flatMap(Self.time)
        return (number, unit, observedAt)
    }

    /// A normalized attribute's member (`unitCode`, `observedAt`); `nil` for a keyValues one.
    private static func member(_ attribute: JSONValue, _ name: String) -> JSONValue? {
        guard attribute["value"] != nil || attribute["type"] != nil else { return nil }
        return attribute[name]
    }

    /// An attribute's value: `value` of a normalized property (`@value` of a typed literal),
    /// the attribute itself in keyValues.
    private static func value(of attribute: JSONValue) -> JSONValue? {
        var value = attribute
        if case .object = attribute, let inner = attribute["value"] { value = inner }
        if case .object = value, let literal = value["@value"] { value = literal }
        return value
    }

    /// Unix ms of a date-time attribute (normalized or keyValues).
    private static func time(_ attribute: JSONValue) -> Int64? {
        value(of: attribute)?.string.flatMap { EventTime.milliseconds(iso8601: $0) }
    }

    /// The observation period: `dateObservedFrom`/`dateObservedTo`, or `dateObserved` as an
    /// ISO 8601 interval `start/end`, or `dateObserved` alone (an instant: no start).
    private static func observationPeriod(_ entity: JSONValue) -> (start: Int64?, end: Int64)? {
        let from = entity["dateObservedFrom"].flatMap(time)
        if let to = entity["dateObservedTo"].flatMap(time) { return (from, to) }
        guard let observed = entity["dateObserved"].flatMap(value)?.string else { return nil }
        let parts = observed.split(separator: "/")
        if parts.count == 2, let start = EventTime.milliseconds(iso8601: String(parts[0])),
           let end = EventTime.milliseconds(iso8601: String(parts[1])) {
            return (start, end)
        }
        return EventTime.milliseconds(iso8601: observed).map { (from, $0) }
    }

    /// The sensor an entity id names: after `urn:ngsi-ld:<Type>:` (`urn:ngsi-ld:TrafficFlowObserved:seg-17`
    /// → `seg-17`), the last `:`-separated part of another URN, or a plain id as it is (FIWARE's
    /// examples put times with `:` in plain ids).
    static func sensor(fromID id: String) -> String {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count > 1, parts[0].lowercased() == "urn" else { return id }
        if parts.count > 3, parts[1].lowercased() == "ngsi-ld" { return parts[3...].joined(separator: ":") }
        return String(parts[parts.count - 1])
    }

    /// `TrafficFlowObserved` of `https://…/TrafficFlowObserved` or `ngsi:TrafficFlowObserved`.
    private static func shortName(_ type: String) -> String {
        String(type.split(whereSeparator: { $0 == "/" || $0 == "#" || $0 == ":" }).last ?? Substring(type))
    }
}
