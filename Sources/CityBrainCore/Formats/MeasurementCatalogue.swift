/// The kinds and measurements a pipeline knows, with their units: what a reading from a standard
/// format (SenML, NGSI-LD), which names its own units, is converted into.
///
/// A name the catalogue holds takes the value converted to the measurement's unit. A name it
/// does not hold is matched by unit: `speed` in `m/s` becomes `speed_kmh` (the one traffic
/// measurement named `speed_…` that measures speed), converted to km/h. Other names are kept as
/// they are, like an undeclared measurement in a native frame.
public struct MeasurementCatalogue: Sendable {
    /// The kinds accepted, built-in ones first.
    public let kinds: [EventKind]
    /// Per kind (in the order of `kinds`), each measurement's unit (`nil`: declared without
    /// one) and built-in range.
    private let entries: [[String: Entry]]

    private struct Entry: Sendable {
        var unit: String?
        var range: ClosedRange<Double>?
    }

    /// The built-in kinds and measurements: what a pipeline without declarations knows.
    public static let builtIn = MeasurementCatalogue()

    /// - Parameters:
    ///   - kinds: the kinds to accept (``Pipeline/knownKinds``).
    ///   - measurements: the pipeline's declared measurements (``Pipeline/measurements``).
    public init(kinds: [EventKind] = EventKind.builtIn, measurements: [MeasurementDeclaration] = []) {
        self.kinds = kinds
        entries = kinds.map { kind in
            var entries: [String: Entry] = [:]
            for (name, unit) in MeasurementUnit.builtIn[kind] ?? [:] {
                entries[name] = Entry(unit: unit, range: MeasurementLimits.range(of: name, for: kind))
            }
            for declaration in measurements where declaration.kind == kind {
                entries[declaration.name] = Entry(unit: declaration.unit, range: MeasurementLimits.range(of: declaration.name, for: kind))
            }
            return entries
        }
    }

    /// The measurements of `kind` (a short scan: a pipeline knows a handful of kinds).
    private func entries(of kind: EventKind) -> [String: Entry] {
        for (index, candidate) in kinds.enumerated() where candidate == kind { return entries[index] }
        return [:]
    }

    /// The kind called `name`, if accepted.
    public func kind(named name: some StringProtocol) -> EventKind? {
        kinds.first { $0.rawValue == name }
    }

    /// Whether `name` is a measurement of `kind`, built in or declared.
    public func knows(_ name: String, for kind: EventKind) -> Bool {
        entries(of: kind)[name] != nil
    }

    /// The measurements of `kind`, sorted.
    public func measurements(of kind: EventKind) -> [String] {
        entries(of: kind).keys.sorted()
    }

    /// The unit of measurement `name` of `kind`, if it has one.
    public func unit(of name: String, for kind: EventKind) -> String? {
        entries(of: kind)[name]?.unit
    }

    /// The reading `name` = `value` in `unit` of a `kind` feed is, in the catalogue's terms,
    /// checked like a native frame's (finite, within a built-in measurement's range).
    /// - Throws: ``RejectReason/unknownUnit`` for a unit that is not known, or that does not
    ///   convert to the unit of the measurement `name` resolves to; `nonFinite`, `outOfRange`.
    public func reading(_ name: String, _ value: Double, unit: String?, kind: EventKind) throws(FrameRejection) -> Reading {
        let known = entries(of: kind)
        if let entry = known[name] {
            let reading = Reading(name, try convert(value, unit: unit, to: entry.unit, measurement: name))
            try EventValidation.check(reading, of: kind, range: entry.range)
            return reading
        }
        // Not in the catalogue, so no built-in range: only a match by unit may have one.
        let (reading, entry) = try match(name, value, unit: unit, in: known)
        try EventValidation.check(reading, of: kind, range: entry?.range)
        return reading
    }

    /// A name the catalogue does not hold: matched by unit, or kept as it is.
    private func match(_ name: String, _ value: Double, unit: String?, in known: [String: Entry]) throws(FrameRejection) -> (Reading, Entry?) {
        guard let unit else { return (Reading(name, value), nil) }
        guard let source = MeasurementUnit.named(unit) else { throw unknownUnit(unit, name: name) }
        let matches = known.compactMap { candidate, entry -> (String, Entry, String)? in
            guard candidate.hasPrefix(name + "_"), let candidateUnit = entry.unit, let target = MeasurementUnit.named(candidateUnit),
                  target.dimension == source.dimension else { return nil }
            return (candidate, entry, candidateUnit)
        }
        guard matches.count == 1, let (measurement, entry, target) = matches.first else { return (Reading(name, value), nil) }
        return (Reading(measurement, try convert(value, unit: unit, to: target, measurement: measurement)), entry)
    }

    private func convert(_ value: Double, unit: String?, to target: String?, measurement: String) throws(FrameRejection) -> Double {
        guard let unit, let target, unit != target else { return value }
        guard MeasurementUnit.named(unit) != nil else { throw unknownUnit(unit, name: measurement) }
        guard let converted = MeasurementUnit.convert(value, from: unit, to: target) else {
            throw FrameRejection(.unknownUnit, "unit '\(unit.prefix(40))' does not convert to \(target), the unit of \(measurement)")
        }
        return converted
    }

    private func unknownUnit(_ unit: String, name: String) -> FrameRejection {
        FrameRejection(.unknownUnit, "unknown unit '\(unit.prefix(40))' for '\(name.prefix(80))' (SenML units such as km/h, m/s, Cel, %RH, ug/m3, cm, count)")
    }
}
