/// Computes the engine's watermark event by event (see ``WatermarkPolicy``). Used only by the
/// router, on the producer thread.
struct WatermarkTracker {
    private let policy: WatermarkPolicy
    private let perSource: Bool
    /// The sources, in the order of ``bounds`` and ``newest``.
    private let kinds: [EventKind]
    private let bounds: [Int64]
    private var newest: [Int64]
    private var newestOverall: Int64 = .min
    private(set) var watermark: Int64 = .min

    /// - Parameters:
    ///   - kinds: the pipeline's kinds (``Pipeline/knownKinds``), each a source of its own when
    ///     the policy bounds sources separately.
    ///   - floor: a watermark already reached (after a reload): it never goes back.
    init(_ policy: WatermarkPolicy, kinds: [EventKind] = EventKind.builtIn, floor: Int64 = .min) {
        self.policy = policy
        self.watermark = floor
        self.perSource = !policy.sources.isEmpty
        self.kinds = kinds
        self.bounds = kinds.map { policy.sources[$0] ?? policy.maxOutOfOrderness }
        self.newest = Array(repeating: .min, count: kinds.count)
    }

    /// Takes one event's time into account and returns the watermark in force for it.
    mutating func observe(_ time: Int64, kind: EventKind) -> Int64 {
        if time > newestOverall { newestOverall = time }
        var candidate: Int64
        if perSource {
            if let source = kinds.firstIndex(of: kind), time > newest[source] { newest[source] = time }
            candidate = .max
            for source in newest.indices where newest[source] != .min && newestOverall - newest[source] <= policy.idleTimeout {
                candidate = min(candidate, newest[source] - bounds[source])
            }
        } else {
            candidate = newestOverall - policy.maxOutOfOrderness
        }
        if candidate > watermark { watermark = candidate }
        return watermark
    }
}

extension WatermarkTracker {
    func write(to writer: inout CheckpointWriter) {
        writer.write(newest)
        writer.write(newestOverall)
        writer.write(watermark)
    }

    /// Reads what ``write(to:)`` wrote into a tracker of the same policy.
    mutating func restore(from reader: inout CheckpointReader) throws(CheckpointError) {
        let newest: [Int64] = try reader.read()
        guard newest.count == self.newest.count else { throw reader.invalid("watermark state for \(newest.count) sources") }
        self.newest = newest
        newestOverall = try reader.read()
        watermark = try reader.read()
    }
}
