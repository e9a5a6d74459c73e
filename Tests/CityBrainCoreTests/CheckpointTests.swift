import CityBrainCore
import Foundation
import Synchronization
import Testing

/// An engine restored from a checkpoint goes on exactly as if it had never stopped.
@Suite("Engine checkpoints")
struct CheckpointTests {
    /// Windows of every kind and aggregates with every optional part (moments, sketches,
    /// distinct counters, trends, first/last), sliding windows with allowed lateness, sessions
    /// (one capped, with allowed lateness, so fired sessions wait for late events),
    /// outliers with both baselines, and a correlation.
    static let assorted = """
    watermark: { max_out_of_orderness: 20s }
    rules:
      - { name: slow, kind: sustained, for: 3, match: { kind: traffic }, window: { tumbling: 5m }, when: mean(speed_kmh) < 30, department: traffic-police }
      - { name: odd-ewma, kind: outlier, match: { kind: traffic }, window: { tumbling: 5m }, value: mean(speed_kmh), baseline: ewma, warmup: 3, department: traffic-operations }
      - { name: odd-mad, kind: outlier, match: { kind: traffic }, window: { tumbling: 5m }, value: max(occupancy), baseline: mad, warmup: 3, department: traffic-operations }
      - { name: busy-district, match: { kind: traffic }, key_by: district, window: { sliding: { size: 10m, slide: 5m }, allowed_lateness: 5m }, when: p95(occupancy) > 0.3, department: traffic-operations }
      - { name: slow-pair, kind: correlation, at_least: 2, of: slow, department: traffic-police }
    outputs:
      - { name: shape, match: { kind: traffic }, window: { sliding: { size: 15m, slide: 5m }, allowed_lateness: 2m }, aggregates: [stddev(speed_kmh), p90(speed_kmh), distinct(sensor), slope(speed_kmh), first(speed_kmh), last(speed_kmh)] }
      - { name: visits, match: { kind: traffic }, window: { session: { gap: 12m } }, aggregates: [count(), mean(flow_vph)] }
      - { name: capped-visits, match: { kind: traffic }, window: { session: { gap: 3m, max_length: 20m }, allowed_lateness: 5m }, aggregates: [count(), max(speed_kmh)] }
    """

    /// Eight hours of a small city through the default pipeline, with incidents for every rule
    /// kind it has (per-reading anomaly, stuck, trend; silence; sustained; storms).
    static func defaultCity() -> [Event] {
        let reading = DefaultPipelineIncidentTests.reading
        return DefaultPipelineIncidentTests.city(quiet: 12, crafted: [
            "collapse": { index, at in reading("collapse", "d02", at, index, (60..<64).contains(index) ? 15 : 60 + Double(index % 3), nil, nil) },
            "frozen": { index, at in
                index >= 24 ? reading("frozen", "d02", at, 0, 57, 0.1, 840) : reading("frozen", "d02", at, index, 55 + Double(index % 4), nil, nil)
            },
            "mute": { index, at in index < 48 ? reading("mute", "d03", at, index, 58 + Double(index % 2), nil, nil) : nil },
            "slowing": { index, at in reading("slowing", "d04", at, index, index < 72 ? 70 + Double(index % 2) : max(70 - 8 * Double(index - 71), 5), nil, nil) },
        ])
    }

    /// Two hours of traffic at 20-second intervals with a few late events, slow spells and gaps.
    static func assortedCity() -> [Event] {
        var events: [Event] = []
        for step in 0..<360 {
            for sensor in 0..<6 {
                if sensor == 5, (120..<160).contains(step) { continue }  // a gap: sessions close
                let slow = (sensor < 3 && (150..<220).contains(step))
                let speed = slow ? 20 + Double((step + sensor) % 5) : 55 + Double((step * 7 + sensor * 3) % 11)
                let occupancy = sensor == 4 && (200..<210).contains(step) ? 0.9 : 0.1 + Double((step + sensor) % 4) / 100
                var seconds = Double(step) * 20 + Double(sensor)
                if step % 50 == 7, sensor == 2 { seconds -= 200 }  // late: some windows keep it, some drop it
                events.append(Fixture.traffic("seg-\(sensor)", at: seconds, speed: speed, occupancy: occupancy,
                                              district: sensor < 3 ? "d01" : "d02"))
            }
        }
        return events
    }

    /// Runs `events` without a break, then again with a checkpoint after `cut` events: the
    /// records before the checkpoint plus those of an engine restored from it (through the
    /// encoded bytes) must equal the uninterrupted run's, record for record.
    static func expectSameAfterRestore(_ pipeline: Pipeline, _ events: [Event], cuts: [Int], batchSize: Int = 97) throws {
        let whole = EngineHarness(pipeline)
        whole.feed(events, batchSize: batchSize)
        let expected = whole.finishRecords()
        #expect(!expected.isEmpty)

        for cut in cuts {
            let before = RecordCollector()
            let taken = Mutex<EngineSnapshot?>(nil)
            let first = StreamEngine(pipeline: pipeline, partitions: 2) { output in
                before.append(output.records)
                if let snapshot = output.checkpoint { taken.withLock { $0 = snapshot } }
            }
            feed(first, events[..<cut], batchSize: batchSize)
            first.checkpoint()
            first.drain()
            let snapshot = try #require(taken.withLock { $0 })
            #expect(snapshot.position == Int64(cut))
            let recordsBefore = before.all
            // The engine goes on (and changes its state) before the snapshot is encoded: the
            // snapshot must still be the state at the barrier.
            feed(first, events[cut...], batchSize: batchSize)
            first.finish()

            var writer = CheckpointWriter()
            writer.write(snapshot)
            var reader = CheckpointReader(writer.bytes)
            let decoded: EngineSnapshot = try reader.read()
            var again = CheckpointWriter()
            again.write(decoded)
            #expect(again.bytes == writer.bytes)
            #expect(decoded.encodedPartitions == snapshot.encodedPartitions)
            // The streaming path (frames of each partition as it is encoded, as files are
            // written), with whole frames or many small ones, reads back as the same state; read
            // back, its partitions are bytes, and framed again they give the same stream.
            for pieceBytes in [EngineSnapshot.framePieceBytes, 97] {
                var streamed: [UInt8] = []
                var pieces = 0
                var head = CheckpointWriter()
                try snapshot.write(to: &head, pieceBytes: pieceBytes, draining: { streamed.append(contentsOf: $0); pieces += 1 })
                head.drain(into: { streamed.append(contentsOf: $0) })
                var fromFrames = CheckpointReader(streamed)
                let back: EngineSnapshot = try fromFrames.read()
                #expect(back.encodedPartitions == snapshot.encodedPartitions)
                var framedAgain = CheckpointWriter()
                back.write(to: &framedAgain, pieceBytes: pieceBytes)
                #expect(framedAgain.bytes == streamed)
                if pieceBytes == 97 { #expect(pieces > 2 * (snapshot.encodedPartitions.joined().count / 97)) }
            }
            // A sink that fails (a full disk) stops the encoding there, and its error is thrown.
            struct DiskFull: Error {}
            var calls = 0
            var failing = CheckpointWriter()
            #expect(throws: DiskFull.self) {
                try snapshot.write(to: &failing, pieceBytes: 97, draining: { _ in
                    calls += 1
                    if calls == 3 { throw DiskFull() }
                })
            }
            #expect(calls == 3)

            let after = RecordCollector()
            let second = try StreamEngine(restoring: decoded, pipeline: pipeline) { after.append($0.records) }
            #expect(second.statistics.events == cut)
            feed(second, events[cut...], batchSize: batchSize)
            second.finish()
            let resumed = recordsBefore + after.all
            #expect(resumed.count == expected.count, "cut at \(cut)")
            if let mismatch = zip(resumed, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("cut at \(cut): record \(mismatch) differs:\n\(resumed[mismatch])\nvs\n\(expected[mismatch])")
            }
        }
    }

    static func feed(_ engine: StreamEngine, _ events: ArraySlice<Event>, batchSize: Int) {
        var start = events.startIndex
        while start < events.endIndex {
            engine.submit(Array(events[start..<min(start + batchSize, events.endIndex)]))
            start += batchSize
        }
        engine.drain()
    }

    @Test("the default pipeline resumes from a checkpoint with the same alerts, whatever the cut")
    func defaultPipeline() throws {
        let events = Self.defaultCity()
        // Right after the last reading of "mute": its silence is pending at the checkpoint.
        let muted = try #require(events.lastIndex { $0.sensor == "mute" }) + 1
        try Self.expectSameAfterRestore(try BuiltInPipeline.city(), events,
                                        cuts: [1, events.count / 7, events.count / 3, events.count / 2, muted, events.count * 5 / 6])
    }

    @Test("windows of every kind, sketches, late events, outliers and correlations resume from a checkpoint")
    func assortedState() throws {
        let events = Self.assortedCity()
        try Self.expectSameAfterRestore(try PipelineLoader.load(yaml: Self.assorted), events,
                                        cuts: [0, 500, events.count / 3, events.count / 2, events.count - 10])
    }

    @Test("a truncated or altered snapshot is refused with the reason, never half restored")
    func corrupt() throws {
        let pipeline = try PipelineLoader.load(yaml: Self.assorted)
        let taken = Mutex<EngineSnapshot?>(nil)
        let engine = StreamEngine(pipeline: pipeline, partitions: 2) { if let snapshot = $0.checkpoint { taken.withLock { $0 = snapshot } } }
        Self.feed(engine, Self.assortedCity()[..<600], batchSize: 100)
        engine.checkpoint()
        engine.drain()
        let snapshot = try #require(taken.withLock { $0 })
        func altered(_ change: (inout [[UInt8]]) -> Void) -> EngineSnapshot {
            var partitions = snapshot.encodedPartitions
            change(&partitions)
            return EngineSnapshot(position: snapshot.position, partitions: partitions, router: snapshot.router, collector: snapshot.collector,
                                  statistics: snapshot.statistics, pauseNanoseconds: snapshot.pauseNanoseconds)
        }

        let truncated = altered { $0[0].removeLast(9) }
        #expect(throws: CheckpointError.self) { try StreamEngine(restoring: truncated, pipeline: pipeline) { _ in } }

        // The same bytes under a pipeline with another number of rules do not fit.
        let other = try PipelineLoader.load(yaml: ReloadTests.before)
        #expect(throws: CheckpointError.self) { try StreamEngine(restoring: snapshot, pipeline: other) { _ in } }

        do {
            _ = try StreamEngine(restoring: altered { $0[1] = Array($0[1].prefix(3)) }, pipeline: pipeline) { _ in }
            Issue.record("a three-byte partition state was accepted")
        } catch {
            #expect(error.description.contains("ends early"))
        }
    }

    @Test("a restored engine takes a different pipeline like a hot reload: unchanged rules keep their state")
    func pipelineChangeAcrossRestore() throws {
        let before = try PipelineLoader.load(yaml: ReloadTests.before)
        let taken = Mutex<EngineSnapshot?>(nil)
        let engine = StreamEngine(pipeline: before, partitions: 2) { if let snapshot = $0.checkpoint { taken.withLock { $0 = snapshot } } }
        let minutes = { (range: Range<Int>) in
            range.flatMap { minute in stride(from: 0.0, to: 60, by: 10).map { Fixture.traffic("seg-1", at: Double(minute) * 60 + $0, speed: 10) } }
        }
        Self.feed(engine, minutes(0..<2)[...] + [Fixture.traffic("seg-1", at: 125, speed: 10)], batchSize: 100)
        engine.checkpoint()
        engine.drain()
        let snapshot = try #require(taken.withLock { $0 })

        let after = RecordCollector()
        let restored = try StreamEngine(restoring: snapshot, pipeline: before) { after.append($0.records) }
        let summary = restored.reload(try PipelineLoader.load(yaml: ReloadTests.after))
        #expect(summary.description == "added: crawling; removed: very-slow; changed: slow; kept 2")
        Self.feed(restored, minutes(2..<6)[...], batchSize: 100)
        restored.finish()
        let alerts = after.all.compactMap(\.alert)
        #expect(RuleKindTests.summary(alerts) == [
            "very-slow resolved seg-1 @120s warning",
            "slow-3 raised seg-1 @180s warning",   // its streak of two (before the checkpoint) went on to three
            "crawling raised seg-1 @180s warning",
        ])
        #expect(!alerts.contains { $0.rule == "slow" })  // changed, and still open from before: no second raise
    }
}
