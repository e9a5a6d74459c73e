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
    var values: [Double?]
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
