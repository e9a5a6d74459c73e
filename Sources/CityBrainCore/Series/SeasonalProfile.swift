/// One key's time-of-day profile for an anomaly rule: per slot of the day and day type
/// (weekday, weekend), a robust running median of the slot's mean and of its day-to-day
/// deviation.
///
/// Each slot's readings are averaged; when the slot ends, its mean moves the slot's median by a
/// Huber-clamped step (at most 3 deviations), so one bad day cannot drag the profile, and the
/// deviation by the same weight. The weight is `1 / n` for the first days, so early days count
/// equally, and then `1 / (days of this type in learn)`, a memory of about `learn`.
///
/// State: 6 bytes per slot, packed: the median as the top 24 bits of a `Float` (8 exponent bits,
/// 15 of mantissa: a relative precision of 3 × 10⁻⁵, far below any spread a rule can use), the
/// deviation as a `Float16` (three significant digits, up to 65 504, clamped) and a one-byte day
/// count, which saturates at 255, past which the weight is the memory's anyway for any `learn`
/// up to 357 days. 576 bytes for 30-minute slots, in one array, plus 24 bytes: the array and the
/// open slot's accumulator.
struct SeasonalProfile {
    /// One slot of the day, as read from and written to its 6 packed bytes.
    fileprivate struct Slot {
        var median: Float = 0
        var deviation: Float16 = 0
        var days: UInt8 = 0
    }
    private static let slotBytes = 6

    /// Weekday slots, then weekend slots, packed: one allocation per profile. Not an array of
    /// `Slot`, whose stride is 8: at a million sensors with 1.45 profiles each, the two bytes are
    /// 250 MiB.
    private var packed: [UInt8]
    private var openSum = 0.0
    /// The slot being accumulated: absolute slot number since the epoch in local time (32 bits
    /// hold ±20 000 years of 5-minute slots).
    private var openSlot: Int32 = .min
    private var openCount: Int32 = 0

    init(_ settings: SeasonalSettings) {
        packed = Array(repeating: 0, count: 2 * settings.slotsPerDay * Self.slotBytes)
    }

    /// Bytes of state, for the state-size metric.
    var byteCount: Int { packed.count + 32 + 24 }

    private func slot(_ index: Int) -> Slot {
        packed.withUnsafeBytes { raw in
            let at = index * Self.slotBytes
            let median = UInt32(raw[at]) << 8 | UInt32(raw[at + 1]) << 16 | UInt32(raw[at + 2]) << 24
            return Slot(median: Float(bitPattern: median), deviation: raw.loadUnaligned(fromByteOffset: at + 3, as: Float16.self),
                        days: raw[at + 5])
        }
    }

    private mutating func store(_ slot: Slot, at index: Int) {
        // The median rounded to its top 24 bits (to nearest: a carry into the exponent is the
        // next larger value, as it should be).
        let bits = slot.median.bitPattern
        let median = bits & 0x7F80_0000 == 0x7F80_0000 ? bits : bits &+ 0x80
        packed.withUnsafeMutableBytes { raw in
            let at = index * Self.slotBytes
            raw[at] = UInt8(truncatingIfNeeded: median >> 8)
            raw[at + 1] = UInt8(truncatingIfNeeded: median >> 16)
            raw[at + 2] = UInt8(truncatingIfNeeded: median >> 24)
            raw.storeBytes(of: slot.deviation, toByteOffset: at + 3, as: Float16.self)
            raw[at + 5] = slot.days
        }
    }

    /// The profile's median and deviation for the slot holding `time`, once it has seen enough
    /// days; `nil` before.
    mutating func expected(at time: Int64, _ settings: SeasonalSettings) -> (median: Double, deviation: Double)? {
        let slot = slot(slotIndex(absoluteSlot(time, settings), settings))
        guard Int(slot.days) >= settings.minimumDays else { return nil }
        return (Double(slot.median), Double(slot.deviation))
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

    private mutating func fold(_ mean: Double, slot number: Int32, floor: Double, _ settings: SeasonalSettings) {
        let index = slotIndex(number, settings)
        var slot = slot(index)
        let seen = Int(slot.days) + 1
        let weekend = index >= settings.slotsPerDay
        let learnDays = max(1, Double(settings.learn) / 86_400_000 * (weekend ? 2.0 / 7 : 5.0 / 7))
        let weight = max(1 / Double(seen), 1 / learnDays)
        if seen == 1 {
            slot.median = Float(mean)
        } else {
            let median = Double(slot.median), deviation = Double(slot.deviation)
            // Clamped once the slot is in use: before, there is no spread to clamp against.
            let settled = seen > settings.minimumDays
            let scale = settled ? max(1.2533 * deviation, floor) : .infinity
            let residual = mean - median
            let clamped = min(max(residual, -3 * scale), 3 * scale)
            slot.median = Float(median + weight * clamped)
            // The first deviation is an average of the days seen so far (weight 1 / (n − 1)).
            let deviationWeight = max(1 / Double(seen - 1), 1 / learnDays)
            let nextDeviation = deviation + deviationWeight * (min(abs(residual), 2 * scale) - deviation)
            slot.deviation = Float16(min(nextDeviation, Double(Float16.greatestFiniteMagnitude)))
        }
        if slot.days < .max { slot.days += 1 }
        store(slot, at: index)
    }

    private func absoluteSlot(_ time: Int64, _ settings: SeasonalSettings) -> Int32 {
        let local = time + settings.timeZone.offset(at: time)
        let slot = local >= 0 ? local / settings.slot : (local + 1) / settings.slot - 1
        return Int32(clamping: slot)
    }

    /// Weekday slots first, then weekend slots. 1970-01-01 was a Thursday.
    private func slotIndex(_ absolute: Int32, _ settings: SeasonalSettings) -> Int {
        let slot = Int64(absolute), perDay = Int64(settings.slotsPerDay)
        let day = slot >= 0 ? slot / perDay : (slot + 1) / perDay - 1
        let ofDay = Int(slot - day * perDay)
        let weekday = Int(((day + 4) % 7 + 7) % 7)  // 0 Sunday … 6 Saturday
        return (weekday == 0 || weekday == 6 ? settings.slotsPerDay : 0) + ofDay
    }
}

extension SeasonalProfile: CheckpointCodable {
    func write(to writer: inout CheckpointWriter) {
        writer.write(packed)
        writer.write(openSum)
        writer.write(openSlot)
        writer.write(openCount)
    }

    init(from reader: inout CheckpointReader) throws(CheckpointError) {
        packed = try reader.read()
        openSum = try reader.read()
        openSlot = try reader.read()
        openCount = try reader.read()
    }
}

