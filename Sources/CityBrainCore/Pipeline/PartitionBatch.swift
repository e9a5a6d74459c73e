/// The events one partition receives from one engine batch, each with its input position, the
/// watermark in force when the router saw it, and the roles it plays here, plus the batch's
/// trigger clock and end watermark.
struct PartitionBatch: Sendable {
    /// This partition owns the event's sensor: sensor-keyed aggregations apply.
    static let sensorRole: UInt8 = 1
    /// This partition owns the event's district: district-keyed aggregations apply.
    static let districtRole: UInt8 = 2

    /// The engine batch's events, shared by every partition's batch: each reads its own in
    /// place, so routing copies no event (a copy retained each event's strings and readings, and
    /// dropping the submitted array released them again: 2–3 % of an offline run).
    var source: [Event] = []
    /// The indices in ``source`` of this partition's events, in order; the arrays below are
    /// indexed like it.
    var members: [Int32] = []
    var watermarks: [Int64] = []
    var positions: [Int64] = []
    var roles: [UInt8] = []
    /// Each event's `StableHash.fnv1a` of its sensor id, as the router computed it to pick the
    /// partition: the partition's key table looks the sensor up by it.
    var sensorHashes: [UInt64] = []
    var endWatermark: Int64 = .min
    var clock = TriggerClock(firstIndex: 0, watermarks: [])
    /// A new pipeline to switch to before this batch's events.
    var reconfigure: Pipeline?
    /// Keys to give up before this batch's events (a shard whose plan changed).
    var release: KeyOwnership?
    /// A checkpoint barrier: encode the partition's state after this (empty) batch.
    var checkpoint = false

    /// This partition's events.
    var count: Int { members.count }

    /// Adds the event at `index` of ``source``.
    mutating func append(member index: Int, watermark: Int64, position: Int64, roles: UInt8, sensorHash: UInt64) {
        members.append(Int32(index))
        watermarks.append(watermark)
        positions.append(position)
        self.roles.append(roles)
        sensorHashes.append(sensorHash)
    }
}

/// What one partition produced for one batch.
struct PartitionResult: Sendable {
    var records: [OrderedRecord] = []
    var events = 0
    var lateEvents = 0
    /// Readings of declared measurements outside their declared range, left out.
    var outOfRangeReadings = 0
    /// How much the partition holds after the batch.
    var gauges = PartitionGauges()
    /// The partition's state, for a checkpoint barrier.
    var snapshot: PartitionState?
    /// How long capturing it took.
    var snapshotNanoseconds: UInt64 = 0
    /// Time this batch spent closing windows on this partition: every watermark step that fired
    /// windows, evaluated (aggregates finished, rules run).
    var closeNanoseconds: UInt64 = 0
}

/// How much one partition holds after a batch; the engine's statistics add them up over the
/// partitions, each partition's latest.
struct PartitionGauges: Sendable {
    var openWindows = 0
    var openAlerts = 0
    var stateBytes = 0
    var keys = 0

    /// The sum over `partitions`.
    static func total(_ partitions: [PartitionGauges]) -> PartitionGauges {
        partitions.reduce(into: PartitionGauges()) { total, one in
            total.openWindows += one.openWindows
            total.openAlerts += one.openAlerts
            total.stateBytes += one.stateBytes
            total.keys += one.keys
        }
    }
}
