/// One key's time-of-day profile for an anomaly rule: per slot of the day and day type
/// (weekday, weekend), a robust running median of the slot's mean and of its day-to-day
/// deviation.
///
/// Each slot's readings are averaged; when the slot ends, its mean moves the slot's median by a
/// Huber-clamped step (at most 3 deviations), so one bad day cannot drag the profile, and the
/// deviation by the same weight. The weight is `1 / n` for the first days, so early days count
/// equally, and then `1 / (days of this type in learn)`, a memory of about `learn`.
///
/// State: 8 bytes per slot (a `Float` median, a `Float16` deviation and a day count) in one array,
/// 1 536 bytes for 15-minute slots, plus the open slot's accumulator and the cached time offset.
struct SeasonalProfile {
    /// One slot of the day: 8 bytes (a 16-bit deviation is ample for a spread: three significant
    /// digits, up to 65 504, clamped).
    fileprivate struct Slot: CheckpointTrivial {
        var median: Float = 0
        var deviation: Float16 = 0
        var days: UInt16 = 0
    }

    /// Weekday slots, then weekend slots: one allocation per profile.
    private var slots: [Slot]
    /// The slot being accumulated: absolute slot number since the epoch in local time.
    private var openSlot: Int64 = .min
    private var openSum = 0.0
    private var openCount = 0
    /// Cached UTC offset and the hour it is valid for.
    private var offsetHour: Int64 = .min
    private var offset: Int64 = 0

    init(_ settings: SeasonalSettings) {
        let count = 2 * settings.slotsPerDay
        slots = Array(repeating: Slot(), count: count)
    }

    /// Bytes of state, for the state-size metric.
    var byteCount: Int { slots.count * MemoryLayout<Slot>.stride + 64 }

    /// The profile's median and deviation for the slot holding `time`, once it has seen enough
    /// days; `nil` before.
    mutating func expected(at time: Int64, _ settings: SeasonalSettings) -> (median: Double, deviation: Double)? {
        let index = slotIndex(absoluteSlot(time, settings), settings)
        guard Int(slots[index].days) >= settings.minimumDays else { return nil }
        return (Double(slots[index].median), Double(slots[index].deviation))
    }

    /// Adds a reading; a finished slot is folded into the profile. `floor` is the smallest
    /// deviation used for clamping.
    mutating func add(_ value: Double, at time: Int64, floor: Double, _ settings: SeasonalSettings) {
        let slot = absoluteSlot(time, settings)
        if slot != openSlot {
            if openCount > 0 { fold(openSum / Double(openCount), slot: openSlot, floor: floor, settings) }
            openSlot = slot
            openSum = 0
            openCount = 0
        }
        openSum += value
        openCount += 1
    }

    private mutating func fold(_ mean: Double, slot: Int64, floor: Double, _ settings: SeasonalSettings) {
        let index = slotIndex(slot, settings)
        let seen = Int(slots[index].days) + 1
        let weekend = index >= settings.slotsPerDay
        let learnDays = max(1, Double(settings.learn) / 86_400_000 * (weekend ? 2.0 / 7 : 5.0 / 7))
        let weight = max(1 / Double(seen), 1 / learnDays)
        if seen == 1 {
            slots[index].median = Float(mean)
        } else {
            let median = Double(slots[index].median), deviation = Double(slots[index].deviation)
            // Clamped once the slot is in use: before, there is no spread to clamp against.
            let settled = seen > settings.minimumDays
            let scale = settled ? max(1.2533 * deviation, floor) : .infinity
            let residual = mean - median
            let clamped = min(max(residual, -3 * scale), 3 * scale)
            slots[index].median = Float(median + weight * clamped)
            // The first deviation is an average of the days seen so far (weight 1 / (n − 1)).
            let deviationWeight = max(1 / Double(seen - 1), 1 / learnDays)
            let nextDeviation = deviation + deviationWeight * (min(abs(residual), 2 * scale) - deviation)
            slots[index].deviation = Float16(min(nextDeviation, Double(Float16.greatestFiniteMagnitude)))
        }
        if slots[index].days < .max { slots[index].days += 1 }
    }

    private mutating func absoluteSlot(_ time: Int64, _ settings: SeasonalSettings) -> Int64 {
        let hour = time >= 0 ? time / 3_600_000 : (time + 1) / 3_600_000 - 1
        if hour != offsetHour {
            offsetHour = hour
            offset = settings.timeZone.offset(at: time)
        }
        let local = time + offset
        return local >= 0 ? local / settings.slot : (local + 1) / settings.slot - 1
    }

    /// Weekday slots first, then weekend slots. 1970-01-01 was a Thursday.
    private func slotIndex(_ slot: Int64, _ settings: SeasonalSettings) -> Int {
        let perDay = Int64(settings.slotsPerDay)
        let day = slot >= 0 ? slot / perDay : (slot + 1) / perDay - 1
        let ofDay = Int(slot - day * perDay)
        let weekday = Int(((day + 4) % 7 + 7) % 7)  // 0 Sunday … 6 Saturday
        return (weekday == 0 || weekday == 6 ? settings.slotsPerDay : 0) + ofDay
    }
}

extension SeasonalProfile: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(slots)
        writer.write(openSlot)
        writer.write(openSum)
        writer.write(openCount)
        writer.write(offsetHour)
        writer.write(offset)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        slots = try reader.read()
        openSlot = try reader.read()
        openSum = try reader.read()
        openCount = try reader.read()
        offsetHour = try reader.read()
        offset = try reader.read()
    }
}

/// 8 bytes without padding: its memory is its encoding.
extension SeasonalProfile.Slot {
    func write(to writer: inout CheckpointWriter) {
        writer.write(median)
        writer.write(deviation)
        writer.write(days)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        self.init(median: try reader.read(), deviation: try reader.read(), days: try reader.read())
    }
}
