/// How a rule's state (open alerts, baselines, streaks, unchanged runs) is written into a
/// checkpoint and read back.
extension RuleState: CheckpointCodable {
    /// Everything but ``lastScore``, which only describes the reading being evaluated.
    func write(to writer: inout CheckpointWriter) {
        writer.write(open)
        writer.write(streaks)
        writer.write(baselines)
        writer.write(detectors)
        writer.write(runs)
        writer.write(trends)
        writer.write(cooldownUntil)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        open = try reader.read()
        streaks = try reader.read()
        baselines = try reader.read()
        detectors = try reader.read()
        runs = try reader.read()
        trends = try reader.read()
        cooldownUntil = try reader.read()
    }
}

extension RuleState.OpenAlert: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(id)
        writer.write(severity)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        id = try reader.read()
        severity = try reader.read()
    }
}

extension RuleState.Baseline: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(count)
        writer.write(mean)
        writer.write(variance)
        writer.write(history)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        count = try reader.read()
        mean = try reader.read()
        variance = try reader.read()
        history = try reader.read()
    }
}

extension RuleState.Streak: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(windows)
        writer.write(since)
        writer.write(lastEnd)
        writer.write(cadence)
        writer.write(lastWindowEnd)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        windows = try reader.read()
        since = try reader.read()
        lastEnd = try reader.read()
        cadence = try reader.read()
        lastWindowEnd = try reader.read()
    }
}

extension RuleState.UnchangedRun: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(value)
        writer.write(readings)
        writer.write(since)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        value = try reader.read()
        readings = try reader.read()
        since = try reader.read()
    }
}
