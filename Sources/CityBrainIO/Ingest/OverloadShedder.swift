import CityBrainCore

/// Decides, while the engine has no room for the next batch, which readings of a SUB feed wait
/// for it and which are shed, so that overload costs the least information and stays visible.
///
/// A SUB feed cannot be slowed down: frames the ingest loop does not read are dropped by libzmq,
/// arbitrary ones and uncounted (only a sender's `seq` reveals them). So while the engine is full
/// the loop keeps reading, and this decides:
/// - a reading of a sensor that has **no reading waiting** joins the batch: every sensor keeps
///   reporting, so silence rules do not fire on healthy sensors and windows keep their keys;
/// - a further reading of a sensor that **already has one waiting** is shed
///   (``ShedReason/sensorWaiting``): the sensors that send the most lose the most, a flooding
///   gateway before a well-behaved one;
/// - once `maxWaiting` readings wait, every further reading is shed (``ShedReason/backlogFull``),
///   which bounds memory whatever the offered load.
///
/// Alerts are never shed: they are produced after this point and the alert path blocks instead.
/// Used on the ingest thread only.
struct OverloadShedder {
    /// Readings that may wait for the engine while it is full.
    let maxWaiting: Int
    /// Sensors counted by name; readings of further sensors are counted under ``otherSensors``.
    let maxTrackedSensors: Int
    static let otherSensors = "(other sensors)"

    /// Whether the engine refused the waiting batch (readings are being admitted per sensor).
    private(set) var isOverloaded = false
    private var waitingSensors: Set<String> = []
    /// Shed readings since the last ``takeCounts()``: by reason, and by sensor.
    private var byReason: [ShedReason: Int] = [:]
    private var bySensor: [String: Int] = [:]

    init(maxWaiting: Int = 65_536, maxTrackedSensors: Int = 10_000) {
        self.maxWaiting = maxWaiting
        self.maxTrackedSensors = maxTrackedSensors
    }

    /// The engine refused `waiting`: from now on readings are admitted per sensor.
    mutating func engineFull(waiting: some Sequence<Event>) {
        guard !isOverloaded else { return }
        isOverloaded = true
        waitingSensors.removeAll(keepingCapacity: true)
        for event in waiting { waitingSensors.insert(event.sensor) }
    }

    /// The engine took `part` of the waiting readings and has no room for the rest yet: its
    /// sensors have no reading waiting any more.
    mutating func engineTook(_ part: some Sequence<Event>) {
        guard isOverloaded else { return }
        for event in part { waitingSensors.remove(event.sensor) }
    }

    /// The engine took the waiting batch: every reading is admitted again.
    mutating func engineTookBatch() {
        guard isOverloaded else { return }
        isOverloaded = false
        waitingSensors.removeAll(keepingCapacity: true)
    }

    /// Whether `event` may join the `waiting` readings; counts it when it is shed.
    mutating func admit(_ event: Event, waiting: Int) -> Bool {
        guard isOverloaded else { return true }
        let reason: ShedReason
        if waiting >= maxWaiting {
            reason = .backlogFull
        } else if waitingSensors.insert(event.sensor).inserted {
            return true
        } else {
            reason = .sensorWaiting
        }
        count(event.sensor, reason)
        return false
    }

    /// Whether a reading of `sensor`, known from its topic frame before decoding, is shed because
    /// the sensor already has one waiting; counts it when it is. Saves decoding what is dropped.
    mutating func shedsUndecoded(sensor: String) -> Bool {
        guard isOverloaded, waitingSensors.contains(sensor) else { return false }
        count(sensor, .sensorWaiting)
        return true
    }

    private mutating func count(_ sensor: String, _ reason: ShedReason) {
        byReason[reason, default: 0] += 1
        if bySensor[sensor] != nil || bySensor.count < maxTrackedSensors {
            bySensor[sensor, default: 0] += 1
        } else {
            bySensor[Self.otherSensors, default: 0] += 1
        }
    }

    /// The counts of readings shed since the last call, which start again from zero.
    mutating func takeCounts() -> (byReason: [ShedReason: Int], bySensor: [String: Int])? {
        guard !byReason.isEmpty else { return nil }
        defer {
            byReason.removeAll(keepingCapacity: true)
            bySensor.removeAll(keepingCapacity: true)
        }
        return (byReason, bySensor)
    }
}

/// Why ingest shed a reading it had received intact (see ``OverloadShedder``).
public enum ShedReason: String, Sendable, CaseIterable, Hashable {
    /// The engine was full and the same sensor already had a reading waiting for it.
    case sensorWaiting = "sensor_waiting"
    /// The engine was full and the most readings that may wait for it were waiting.
    case backlogFull = "backlog_full"
}
