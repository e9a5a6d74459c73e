/// A window result produced by a window operator.
struct WindowFiring {
    enum Kind {
        /// The watermark reached the window's end.
        case onTime
        /// A late event (within the allowed lateness) changed an already fired window.
        case lateUpdate
        /// The allowed lateness ran out: nothing can change the window any more.
        case final
        /// A key has sent nothing for the silence timeout (`start`: its last event).
        case silenced
        /// A silent key sent an event again.
        case resumed
        /// One reading of a key, for a per-reading rule (`start`: the key's previous reading).
        case reading
    }

    var kind: Kind
    var key: Int32
    var start: Int64
    var end: Int64
    /// Where its aggregate values are in its batch's ``FiringBatch/values``.
    var valueStart: Int32
    var valueCount: Int32
    /// Input position that caused it, for a deterministic order across partitions.
    var trigger: Int64

    /// Whether this is the window's last result: on time without allowed lateness, or final.
    func isFinal(allowedLateness: Int64) -> Bool {
        switch kind {
        case .onTime: allowedLateness == 0
        case .lateUpdate, .silenced, .resumed, .reading: false
        case .final: true
        }
    }
}

/// The window results of one operator call, with all their aggregate values in one buffer.
///
/// A firing used to carry its values in an array of its own: an allocation per window result,
/// and one more per rule of a shared window group (its own slots). The buffer is reused from
/// result to result, and rules read their slots through ``SlotValues``.
struct FiringBatch {
    private(set) var firings: [WindowFiring] = []
    private(set) var values: [Double?] = []

    var isEmpty: Bool { firings.isEmpty }

    /// Empties the batch, keeping its memory.
    mutating func removeAll() {
        firings.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    /// Adds a firing whose aggregate values `fill` appends to the buffer.
    @inline(__always)
    mutating func append(_ kind: WindowFiring.Kind, key: Int32, start: Int64, end: Int64, trigger: Int64,
                         values fill: (inout [Double?]) -> Void) {
        let first = values.count
        fill(&values)
        firings.append(WindowFiring(kind: kind, key: key, start: start, end: end, valueStart: Int32(first),
                                    valueCount: Int32(values.count - first), trigger: trigger))
    }

    /// A firing's values as a rule reads them: all of them, or the slots `map` names (a member of
    /// a window group, see ``OperatorPlan/Member``).
    func values(of firing: WindowFiring, mappedBy map: [Int]? = nil) -> SlotValues {
        SlotValues(buffer: values, start: Int(firing.valueStart), count: map?.count ?? Int(firing.valueCount), map: map)
    }
}

/// Aggregate values by slot, as conditions and expressions read them.
public protocol SlotValueList {
    var count: Int { get }
    subscript(_ slot: Int) -> Double? { get }
}

extension SlotValueList {
    /// The first slot's value (`nil` when there is none or it is missing).
    var firstValue: Double? { count > 0 ? self[0] : nil }

    /// The values in an array of their own (for an alert, which keeps them).
    var allValues: [Double?] { (0..<count).map { self[$0] } }
}

extension Array: SlotValueList where Element == Double? {}

/// One window result's values for one rule: a view of its batch's buffer (no copy), through the
/// rule's slot map when it shares a window group.
struct SlotValues: SlotValueList {
    let buffer: [Double?]
    let start: Int
    let count: Int
    let map: [Int]?

    subscript(_ slot: Int) -> Double? {
        buffer[start + (map.map { $0[slot] } ?? slot)]
    }
}

/// Whether a window operator kept an event.
enum LateVerdict: Equatable {
    case accepted
    /// Every window it belongs to is past its allowed lateness.
    case tooLate(window: (start: Int64, end: Int64))

    static func == (a: LateVerdict, b: LateVerdict) -> Bool {
        switch (a, b) {
        case (.accepted, .accepted): true
        case (.tooLate(let x), .tooLate(let y)): x.start == y.start && x.end == y.end
        default: false
        }
    }
}
