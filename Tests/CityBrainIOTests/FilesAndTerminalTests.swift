import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing

@Suite("Files and terminal output")
struct FilesAndTerminalTests {
    func temporaryFile(_ contents: String) throws -> String {
        let path = temporaryPath("file", suffix: ".jsonl")
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("lines split on LF and CRLF; a last line without a newline counts; long lines grow the buffer")
    func lineReader() throws {
        let long = String(repeating: "y", count: 3_000_000)
        let path = try temporaryFile("a\r\n\nb\n\(long)\nlast")
        defer { removeTemporaryItem(path) }
        var lines: [(String, Int)] = []
        try LineReader(path: path).forEachLine { bytes, number in lines.append((String(decoding: bytes, as: UTF8.self), number)) }
        #expect(lines.map(\.0) == ["a", "", "b", long, "last"])
        #expect(lines.map(\.1) == [1, 2, 3, 4, 5])
        #expect(throws: (any Error).self) { try LineReader(path: "/nonexistent/file.jsonl") }
    }

    @Test("JSON-lines input skips blank lines, counts bad ones and batches the good")
    func jsonLines() throws {
        let path = try temporaryFile("""
        {"kind":"traffic","sensor":"s1","ts":1732270000000,"speed_kmh":40}

        {"kind":"traffic","sensor":"s2","ts":1732270000000,"speed_kmh":"x"}
        {"kind":"traffic","sensor":"s3","ts":1732270000000,"speed_kmh":41}
        garbage
        """)
        defer { removeTemporaryItem(path) }
        let statistics = IngestStatistics()
        var batches: [[Event]] = []
        var positions: [InputPosition] = []
        try JSONLinesInput.read(try LineReader(path: path), batchSize: 1, statistics: statistics,
                                reporter: RejectionReporter(logger: Logger(label: "t"))) { batches.append($0); positions.append($1) }
        #expect(batches.map { $0.map(\.sensor) } == [["s1"], ["s3"]])
        #expect(positions == [InputPosition(segment: 0, frame: 1), InputPosition(segment: 0, frame: 4)])  // after the line of each
        // Resuming after line 1 reads on from line 2.
        var resumed: [String] = []
        try JSONLinesInput.read(try LineReader(path: path), after: positions[0], batchSize: 1, statistics: IngestStatistics(),
                                reporter: RejectionReporter(logger: Logger(label: "t"))) { events, _ in resumed += events.map(\.sensor) }
        #expect(resumed == ["s3"])
        #expect(statistics.snapshot.frames == 4)
        #expect(statistics.snapshot.rejected == [.wrongType: 1, .malformedJSON: 1])
    }

    @Test("a frame of several events goes into one batch whole; records and frames rejected are counted and reported by line",
          arguments: [1, 2])
    func packsInJSONLines(threads: Int) throws {
        let directory = try makeTemporaryDirectory("packs")
        defer { removeTemporaryDirectory(directory) }
        let path = try temporaryFile("""
        {"kind":"traffic","sensor":"s1","ts":1732270000000,"speed_kmh":40}
        [{"bn":"traffic.d07.seg-1/","bt":1732270000,"n":"speed_kmh","v":30},{"n":"occupancy","v":7},{"bn":"environment.-.aq-1/","n":"pm25","v":12}]
        garbage

        {"kind":"traffic","sensor":"s4","ts":1732270000000,"speed_kmh":41}
        """)
        defer { removeTemporaryItem(path) }
        let deadLetters = try DeadLetterWriter(path: directory + "/dead.jsonl")
        let statistics = IngestStatistics()
        var batches: [[String]] = []
        var positions: [Int] = []
        try JSONLinesInput.read(try LineReader(path: path), batchSize: 2, decodingThreads: threads, statistics: statistics,
                                reporter: RejectionReporter(logger: Logger(label: "t"), deadLetters: deadLetters)) { events, position in
            batches.append(events.map(\.sensor))
            positions.append(position.frame)
        }
        deadLetters.close()
        // The pack's two events join s1's batch, which passes its size rather than split the pack.
        #expect(batches == [["s1", "seg-1", "aq-1"], ["s4"]])
        #expect(positions == [2, 5])
        #expect(statistics.snapshot.frames == 4 && statistics.snapshot.accepted == 4)
        #expect(statistics.snapshot.rejected == [.outOfRange: 1, .malformedJSON: 1])
        let records = try String(contentsOfFile: directory + "/dead.jsonl", encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(records.map { $0["source"] as? String } == ["\(path):2", "\(path):3"])
        #expect(records.map { $0["reason"] as? String } == ["out_of_range", "malformed_json"])
        #expect(records[1]["payload"] as? String == "garbage")
    }

    @Test("decoding on several threads delivers what one thread does: same batches, positions, rejections and order", arguments: [2, 4])
    func parallelDecoding(threads: Int) throws {
        // More than a read buffer of lines, with bad and blank lines among them.
        var simulator = CitySimulator(sensors: 200, seed: 9, start: 1_732_269_600_000, reportInterval: 5_000)
        var lines = simulator.events(until: 1_732_269_600_000 + 40 * 60_000).map(EventEncoder.json)
        for index in stride(from: 7, to: lines.count, by: 997) { lines[index] = index % 2 == 0 ? "{\"kind\":\"traffic\"" : "" }
        let path = try temporaryFile(lines.joined(separator: "\n") + "\n")
        defer { removeTemporaryItem(path) }
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0 > 3 << 20)

        func read(threads: Int, after start: InputPosition = .start) throws -> (batches: [[Event]], positions: [InputPosition], rejected: [RejectReason: Int]) {
            let statistics = IngestStatistics()
            var batches: [[Event]] = [], positions: [InputPosition] = []
            try JSONLinesInput.read(try LineReader(path: path), after: start, batchSize: 1000, decodingThreads: threads, statistics: statistics,
                                    reporter: RejectionReporter(logger: Logger(label: "t"))) { batches.append($0); positions.append($1) }
            return (batches, positions, statistics.snapshot.rejected)
        }
        let one = try read(threads: 1)
        let many = try read(threads: threads)
        #expect(many.batches == one.batches)
        #expect(many.positions == one.positions)
        #expect(many.rejected == one.rejected)
        #expect(one.rejected[.malformedJSON, default: 0] > 0)
        // Resuming in the middle of the third block reads on from the same line either way.
        let middle = InputPosition(segment: 0, frame: lines.count * 2 / 3)
        #expect(try read(threads: threads, after: middle).batches == read(threads: 1, after: middle).batches)
    }

    @Test("an offline run writes the alerts of a bounded input, every window closed at the end")
    func offlineRun() throws {
        var simulator = CitySimulator(sensors: 30, seed: 2, start: 1_732_269_600_000, reportInterval: 10_000)
        let events = simulator.events(until: 1_732_269_600_000 + 16 * 60_000)
        let path = try temporaryFile(events.map { EventEncoder.json($0) + "\n" }.joined())
        let output = path + ".alerts"
        defer { removeTemporaryItem(path); removeTemporaryItem(output) }
        let summary = try OfflineRun.run(
            pipeline: try BuiltInPipeline.city(), input: .jsonLines(try LineReader(path: path)), sinks: [try RecordLineWriter(path: output)],
            partitions: 2, deterministic: true, logger: Logger(label: "t")
        )
        #expect(summary.ingest.accepted == events.count)
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        let alerts = try lines.map { try Alert(json: Array($0.utf8)) }
        #expect(alerts.count == summary.engine.alerts)
        // The input ends at 16 minutes; ending it closes the partial window [15m, 20m), whose one
        // clean minute resolves the pollution episode at its end, just as a full window would.
        #expect(alerts.map(ExpectedAlert.init) == ExpectedAlert.forCycle(of: simulator))
        #expect(summary.engine.openWindows == 0)
    }

    @Test("alert lines for people: state, severity, department, place and message")
    func formatter() {
        let alert = Alert(seq: 3, id: "x", rule: "jam", state: .raised, severity: .critical, department: "traffic-police", key: "seg-1",
                          sensor: "seg-1", district: "d07", kind: .traffic, windowStart: 0, windowEnd: 60_000, value: 1, threshold: 2,
                          values: [], message: "Jam on seg-1", ts: 1_732_270_000_000)
        #expect(AlertLineFormatter(colour: false).format(alert)
                == "10:06:40  #3  RAISED   critical traffic-police      seg-1 (d07)         Jam on seg-1")
        #expect(AlertLineFormatter(colour: true).format(alert).hasPrefix("\u{1B}[1;31m"))
    }

    @Test("the status line shows rates, counts and the watermark lag")
    func statusLine() {
        var line = StatusLine()
        var ingest = IngestStatistics.Snapshot()
        ingest.accepted = 1_000
        var engine = EngineStatistics()
        engine.watermark = 1_732_270_000_000
        engine.openWindows = 12_345
        engine.stateBytes = 2_140_000
        _ = line.render(PipelineStatus(ingest: ingest, engine: engine, lastSequence: 0), seconds: 10, nowMilliseconds: 1_732_270_005_000)
        ingest.accepted = 4_000
        ingest.rejected = [.malformedJSON: 2]
        let text = line.render(PipelineStatus(ingest: ingest, engine: engine, lastSequence: 7), seconds: 11, nowMilliseconds: 1_732_270_005_000)
        #expect(text == "in 4,000 ev (3,000/s) │ alerts 7 (open 0) │ bad 2 │ late 0 │ wm 10:06:40 (lag 5.0 s) │ windows 12,345 (2.1 MB)")
        #expect(line.render(PipelineStatus(ingest: ingest, engine: engine, lastSequence: 7), seconds: 12, nowMilliseconds: 1_732_269_990_000)
                    .contains("wm 10:06:40 (ahead 10.0 s)"))
        let durable = PipelineStatus(ingest: ingest, engine: engine, lastSequence: 7,
                                     checkpoints: CheckpointStatus(written: 3, failures: 1, lastTakenAt: 1_732_270_000_000))
        #expect(line.render(durable, seconds: 13, nowMilliseconds: 1_732_270_012_000).hasSuffix(" │ ckpt 12 s ago (1 failed)"))
        #expect(line.render(PipelineStatus(ingest: ingest, engine: engine, lastSequence: 7, checkpoints: CheckpointStatus(written: 0, failures: 0)),
                            seconds: 14, nowMilliseconds: 1_732_270_012_000).hasSuffix(" │ ckpt none yet"))
    }
}
