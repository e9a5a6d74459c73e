extension AlertCorrelator {
    /// Writes what the correlator remembers (open correlations and storms, withheld alerts,
    /// caps); its rules come from the pipeline.
    func write(to writer: inout CheckpointWriter) {
        writer.write(members)
        writer.writeCount(open.count)
        for (correlation, districts) in open {
            writer.write(correlation)
            writer.writeCount(districts.count)
            for (district, alert) in districts {
                writer.write(district)
                writer.write(alert.id)
                writer.write(alert.sensors)
            }
        }
        writer.write(withheld)
        writer.writeCount(raisedInBucket.count)
        for (department, counter) in raisedInBucket {
            writer.write(department)
            writer.write(counter.bucket)
            writer.write(counter.count)
        }
        writer.writeCount(openStorms.count)
        for (department, storm) in openStorms {
            writer.write(department)
            writer.write(storm.id)
            writer.write(storm.bucket)
            writer.write(storm.sensors)
            writer.write(storm.severity)
            writer.write(storm.kind)
        }
        writer.write(latest)
        writer.write(openCapped)
        writer.writeCount(overCap.count)
        for (rule, group) in overCap {
            writer.write(rule)
            writer.write(group.id)
            writer.write(group.members)
        }
    }

    /// Reads what ``write(to:)`` wrote into a correlator of the same pipeline.
    mutating func restore(from reader: inout CheckpointReader) throws(CheckpointError) {
        members = try reader.read()
        open = [:]
        for _ in 0..<(try reader.readCount()) {
            let correlation: Int = try reader.read()
            var districts: [String: (id: String, sensors: [String])] = [:]
            for _ in 0..<(try reader.readCount()) {
                let district: String = try reader.read()
                districts[district] = (try reader.read(), try reader.read())
            }
            open[correlation] = districts
        }
        withheld = try reader.read()
        raisedInBucket = [:]
        for _ in 0..<(try reader.readCount()) {
            let department: String = try reader.read()
            raisedInBucket[department] = (try reader.read(), try reader.read())
        }
        openStorms = [:]
        for _ in 0..<(try reader.readCount()) {
            let department: String = try reader.read()
            openStorms[department] = (try reader.read(), try reader.read(), try reader.read(), try reader.read(), try reader.read())
        }
        latest = try reader.read()
        openCapped = try reader.read()
        overCap = [:]
        for _ in 0..<(try reader.readCount()) {
            let rule: String = try reader.read()
            overCap[rule] = (try reader.read(), try reader.read())
        }
    }
}
