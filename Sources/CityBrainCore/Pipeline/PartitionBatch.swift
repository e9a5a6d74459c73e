/// The events one partition receives from one engine batch, each with the watermark in force
/// when the router saw it, plus the watermark at the end of the batch.
struct PartitionBatch: Sendable {
    var events: [Event] = []
    var watermarks: [Int64] = []
    var endWatermark: Int64 = .min
}

/// What one partition produced for one batch.
struct PartitionResult: Sendable {
    var alerts: [Alert] = []
    var events = 0
    var lateEvents = 0
    var openWindows = 0
    var openAlerts = 0
}
