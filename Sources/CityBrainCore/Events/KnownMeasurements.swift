/// The built-in measurement catalogue (``MeasurementLimits``) as the scanner reads it: each name
/// packed for matching against a frame's bytes, its `String` made once, and its range for each
/// built-in kind. A known field name costs the scanner no allocation and no hashing, and its range
/// is checked as the value is read.
struct KnownMeasurements: Sendable {
    struct Entry: Sendable {
        /// `nil` for a name too long to pack: the scanner reads such a field name as text and
        /// finds it with ``KnownMeasurements/index(of:)-(String)``.
        let packed: PackedName?
        let name: String
        /// Indexed like ``EventKind/builtIn``; `nil` where the kind does not know the name.
        let ranges: [ClosedRange<Double>?]
    }

    /// Every built-in measurement name of every built-in kind, in a fixed order.
    let entries: [Entry]

    static let builtIn = KnownMeasurements()

    private init() {
        var names: [String] = []
        for kind in EventKind.builtIn {
            for name in MeasurementLimits.knownFields(of: kind) where !names.contains(name) { names.append(name) }
        }
        entries = names.map { name in
            Entry(packed: PackedName(name), name: name, ranges: EventKind.builtIn.map { MeasurementLimits.range(of: name, for: $0) })
        }
    }

    /// The index of the entry named `name`, if any.
    @inline(__always)
    func index(of name: PackedName) -> Int? {
        entries.firstIndex { $0.packed == name }
    }

    /// The index of the entry named `name`, if any.
    func index(of name: String) -> Int? {
        entries.firstIndex { $0.name == name }
    }
}
