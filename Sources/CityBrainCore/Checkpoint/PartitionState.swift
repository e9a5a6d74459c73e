/// One partition's whole state at a checkpoint barrier, by value: key tables, watermark, every
/// operator's windows and every rule's state. Capturing it copies nothing (all its parts are
/// copy-on-write, including aggregate states' optional parts), so the partition pauses only
/// for the capture; the encoding (``write(to:)``) runs later, on the checkpoint writer's thread,
/// while the partition changes its own copies.
struct PartitionState: @unchecked Sendable {
    var sensors: KeyTable
    var districts: KeyTable
    var watermark: Int64
    var nextSweep: Int64
    var operators: [WindowOperator.Captured]
    var ruleStates: [RuleState]

    /// The encoding ``Partition/restore(_:)`` reads.
    func write(to writer: inout CheckpointWriter) {
        writer.write(sensors)
        writer.write(districts)
        writer.write(watermark)
        writer.write(nextSweep)
        writer.writeCount(operators.count)
        for windows in operators { windows.write(to: &writer) }
        writer.write(ruleStates)
    }

    var encoded: [UInt8] {
        var writer = CheckpointWriter()
        write(to: &writer)
        return writer.bytes
    }
}
