@testable import CityBrainCore
import Testing

@Suite("Silence tracker")
struct SilenceTrackerTests {
    /// One firing, as compared: kind, key, span, trigger and value.
    struct Fired: Equatable, CustomStringConvertible {
        var kind: WindowFiring.Kind
        var key: Int32
        var start: Int64
        var end: Int64
        var trigger: Int64
        var value: Double?

        var description: String { "\(kind) \(key) [\(start), \(end)) @\(trigger) \(value.map { "\($0)" } ?? "nil")" }
    }

    /// The documented behaviour written plainly: a key not silent becomes silent when the
    /// watermark reaches its last event time plus its timeout (keys in order of that time, then
    /// id), and resumes at its next event newer than the last.
    struct Reference {
        struct Key {
            var lastSeen: Int64
            var deadline: Int64
            var cadence = CadenceEstimator()
            var silent = false
        }

        let timeout: SilenceTimeout
        var keys: [Int32: Key] = [:]

        mutating func add(_ timestamp: Int64, key: Int32, trigger: Int64) -> [Fired] {
            guard timestamp > keys[key]?.lastSeen ?? .min else { return [] }
            var fired: [Fired] = []
            if var known = keys[key], known.silent {
                known.silent = false
                keys[key] = known
                fired.append(Fired(kind: .resumed, key: key, start: known.lastSeen, end: max(timestamp, known.deadline), trigger: trigger,
                                   value: Double(known.deadline - known.lastSeen)))
            }
            var known = keys[key] ?? Key(lastSeen: timestamp, deadline: 0)
            if let previous = keys[key] { known.cadence.add(interval: timestamp - previous.lastSeen) }
            known.lastSeen = timestamp
            known.deadline = timestamp + timeout.timeout(cadence: known.cadence)
            keys[key] = known
            return fired
        }

        mutating func advance(to watermark: Int64, clock: TriggerClock) -> [Fired] {
            let due = keys.filter { !$0.value.silent && $0.value.deadline <= watermark }
                .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
            return due.map { key, known in
                keys[key]?.silent = true
                return Fired(kind: .silenced, key: key, start: known.lastSeen, end: known.deadline,
                             trigger: clock.position(reaching: known.deadline), value: Double(known.deadline - known.lastSeen))
            }
        }
    }

    static func fired(_ batch: FiringBatch) -> [Fired] {
        batch.firings.map { Fired(kind: $0.kind, key: $0.key, start: $0.start, end: $0.end, trigger: $0.trigger,
                                  value: batch.values(of: $0).firstValue) }
    }

    static let timeouts: [SilenceTimeout] = [
        .fixed(90_000),
        .cadence(multiple: 3, of: .intervals, atLeast: 20_000, atMost: 600_000),
        .cadence(multiple: 2, of: .gaps, atLeast: 10_000, atMost: 300_000),
    ]

    @Test("raises and resolves exactly as the plain model does, over random feeds with gaps, bursts and late readings",
          arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func matchesReference(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let timeout = Self.timeouts[Int(seed) % Self.timeouts.count]
        let tracker = SilenceTracker(timeout: timeout)
        var reference = Reference(timeout: timeout)
        var time: Int64 = 1_732_269_600_000
        var position: Int64 = 0
        var watermark = Int64.min
        for _ in 0..<200 {
            // A batch of readings from a few of 20 sensors, some quiet for long stretches, a few late.
            var clockWatermarks: [Int64] = []
            let firstIndex = position
            for _ in 0..<Int.random(in: 1...40, using: &random) {
                time += Int64.random(in: 0...4_000, using: &random)
                let key = Int32.random(in: 0..<20, using: &random)
                guard (time / 400_000 + Int64(key)) % 4 != 0 else { continue }  // this key's quiet stretch
                let late = Int64.random(in: 0..<10, using: &random) == 0 ? Int64.random(in: 1...30_000, using: &random) : 0
                watermark = max(watermark, time - 5_000)
                clockWatermarks.append(watermark)
                var batch = FiringBatch()
                tracker.add(Event(kind: .traffic, sensor: "s\(key)", timestamp: time - late, readings: []), key: key, trigger: position, into: &batch)
                #expect(Self.fired(batch) == reference.add(time - late, key: key, trigger: position))
                position += 1
            }
            // Sometimes the watermark jumps ahead (a quiet feed), past several deadlines at once.
            if Int.random(in: 0..<8, using: &random) == 0 { watermark += Int64.random(in: 60_000...900_000, using: &random) }
            let clock = TriggerClock(firstIndex: firstIndex, watermarks: clockWatermarks)
            var batch = FiringBatch()
            tracker.advance(to: watermark, clock: clock, into: &batch)
            let expected = reference.advance(to: watermark, clock: clock)
            #expect(Self.fired(batch) == expected)
            if let next = tracker.nextDeadline { #expect(reference.keys.values.allSatisfy { $0.silent || $0.deadline >= next }) }
        }
        #expect(reference.keys.values.contains { $0.silent }, "the feed never made a key silent: the test checks little")
    }

    @Test("keeps one pending deadline per key however many readings it sees")
    func oneDeadlinePerKey() {
        let tracker = SilenceTracker(timeout: .fixed(600_000))
        var batch = FiringBatch()
        for second in 0..<600 {
            for key in 0..<10 as Range<Int32> {
                tracker.add(Event(kind: .traffic, sensor: "s\(key)", timestamp: Int64(second) * 1_000, readings: []), key: key,
                            trigger: Int64(second * 10) + Int64(key), into: &batch)
            }
        }
        #expect(tracker.pendingDeadlines == 10)
        // Ten minutes after each key's first reading its entry comes due and moves to its deadline.
        tracker.advance(to: 600_000, clock: TriggerClock(firstIndex: 6_000, watermarks: [600_000]), into: &batch)
        #expect(batch.isEmpty)
        #expect(tracker.pendingDeadlines == 10)
        let next: Int64? = tracker.nextDeadline
        #expect(next == 1_199_000, "\(String(describing: next))")
    }
}
