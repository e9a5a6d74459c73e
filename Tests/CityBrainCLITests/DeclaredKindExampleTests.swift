import CityBrainTesting
import Foundation
import Testing

@Suite("the declared-kinds example pipeline")
struct DeclaredKindExampleTests {
    static let start: Int64 = 1_732_269_600_000

    /// Two river gauges every 15 minutes (gauge-9 stops after an hour; gauge-7 rises through the
    /// warning level and falls back), one waste bin every three hours, and one frame of a kind no
    /// pipeline declares.
    static func feed() -> [String] {
        var lines: [(Int64, String)] = []
        let quarter: Int64 = 15 * 60_000
        let levels = Array(repeating: 200, count: 12) + (0..<8).map { 215 + 15 * $0 } + Array(repeating: 330, count: 4) + Array(repeating: 250, count: 4)
        for (index, level) in levels.enumerated() {
            let at = start + Int64(index) * quarter
            lines.append((at, #"{"kind":"water","sensor":"gauge-7","district":"riverside","ts":\#(at),"level_cm":\#(level)}"#))
            if index < 4 { lines.append((at + 1_000, #"{"kind":"water","sensor":"gauge-9","district":"riverside","ts":\#(at + 1_000),"level_cm":120}"#)) }
        }
        for (index, fill) in [40, 70, 92, 95, 10].enumerated() {
            let at = start + Int64(index) * 3 * 3_600_000 + 5_000
            lines.append((at, #"{"kind":"waste-bin","sensor":"bin-3","district":"old-town","ts":\#(at),"fill_pct":\#(fill)}"#))
        }
        lines.append((start, #"{"kind":"lamp","sensor":"l-1","ts":\#(start),"on":1}"#))
        return lines.sorted { $0.0 < $1.0 }.map(\.1)
    }

    @Test("validates beside the default pipeline, and raises each alert of its kinds at the expected time")
    func waterAndWaste() throws {
        let validate = try CommandRunner.run(["validate", "Pipelines/city.yaml", "Pipelines/examples/water-and-waste.yaml"])
        #expect(validate.status == 0)
        #expect(validate.stdout.hasSuffix("; 2 declared kind(s): water (level_cm), waste-bin (fill_pct)\n"))

        let directory = try makeTemporaryDirectory("kinds")
        defer { removeTemporaryDirectory(directory) }
        let input = directory + "/feed.jsonl"
        try Self.feed().joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)

        let run = try CommandRunner.run(["run", "--pipeline", "Pipelines/examples/water-and-waste.yaml", "--input", input, "--emit", "alerts"])
        #expect(run.status == 0)
        let alerts = try run.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let summary = alerts.map { alert in
            let minutes = ((alert["window_end"] as? Int64 ?? 0) - Self.start) / 60_000
            return "\(alert["state"] as? String ?? "?") \(alert["rule"] as? String ?? "?") \(alert["sensor"] as? String ?? "-") @\(minutes)m"
        }
        #expect(summary == [
            "raised river-gauge-silent gauge-9 @90m",          // 45 minutes (three of its intervals) after its last reading
            "raised river-rising-fast gauge-7 @240m",          // 275 cm and rising 60 cm an hour
            "resolved river-rising-fast gauge-7 @270m",        // over the line: the forecast has come true
            "raised river-flood-warning gauge-7 @285m",
            "resolved river-flood-warning gauge-7 @375m",      // back to 250 cm
            "raised waste-bin-full bin-3 @420m",
            "raised river-gauge-silent gauge-7 @450m",         // its readings end at 6 h 45 while the bin's go on
            "resolved waste-bin-full bin-3 @780m",             // emptied
        ])
        #expect(alerts.first { $0["rule"] as? String == "river-flood-warning" }?["kind"] as? String == "water")
        #expect(run.stderr.contains("unknown kind 'lamp'; expected one of traffic, parking, environment, waste-bin, water"))
        #expect(run.stderr.contains("1 rejected (unknown_kind=1)"))
    }

    /// The example's feed as the city's gateways might send it: gauges as SenML packs named by
    /// device URN, bins as FIWARE `WasteContainer` entities, the stray lamp as native JSON.
    static func standardFeed() throws -> [String] {
        try feed().map { line in
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let ts = event["ts"] as! Int64
            switch event["kind"] as! String {
            case "water":
                let gauge = (event["sensor"] as! String).dropFirst("gauge-".count)
                return #"[{"n":"urn:dev:gauge:\#(gauge)","u":"cm","v":\#(event["level_cm"]!),"t":\#(Double(ts) / 1000)}]"#
            case "waste-bin":
                let fill = (event["fill_pct"] as! NSNumber).doubleValue / 100
                return #"{"id":"urn:ngsi-ld:WasteContainer:bin-3","type":"WasteContainer","fillingLevel":\#(fill),"#
                    + #""dateObserved":"\#(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ts) / 1000)))","areaServed":"old-town"}"#
            default:
                return line
            }
        }
    }

    @Test("fed as SenML packs and NGSI-LD entities through a mapping file, it raises exactly the alerts of its native feed")
    func standardFormatsThroughAMapping() throws {
        let directory = try makeTemporaryDirectory("kinds")
        defer { removeTemporaryDirectory(directory) }
        try Self.feed().joined(separator: "\n").write(toFile: directory + "/native.jsonl", atomically: true, encoding: .utf8)
        try Self.standardFeed().joined(separator: "\n").write(toFile: directory + "/standard.jsonl", atomically: true, encoding: .utf8)
        try """
            senml:
              devices:
                - { prefix: "urn:dev:gauge:7", kind: water, sensor: gauge-7, district: riverside, measurement: level_cm }
                - { prefix: "urn:dev:gauge:9", kind: water, sensor: gauge-9, district: riverside, measurement: level_cm }
            ngsi-ld:
              models:
                WasteContainer:
                  kind: waste-bin
                  attributes:
                    fillingLevel: { measurement: fill_pct, unit: "/" }
            """.write(toFile: directory + "/mapping.yaml", atomically: true, encoding: .utf8)
        let pipeline = ["--pipeline", "Pipelines/examples/water-and-waste.yaml"]
        let native = try CommandRunner.run(["run"] + pipeline + ["--input", directory + "/native.jsonl", "--deterministic"])
        let standard = try CommandRunner.run(["run"] + pipeline + ["--input", directory + "/standard.jsonl", "--deterministic",
                                                                   "--feed-mapping", directory + "/mapping.yaml"])
        #expect(native.status == 0 && standard.status == 0)
        #expect(native.stdout.split(separator: "\n").count == 8)
        #expect(standard.stdout == native.stdout)
        #expect(standard.stderr.contains("1 rejected (unknown_kind=1)"))

        // Without the mapping, the same feed is refused with the reasons, and nothing crashes.
        let unmapped = try CommandRunner.run(["run"] + pipeline + ["--input", directory + "/standard.jsonl"])
        #expect(unmapped.status == 0)
        #expect(unmapped.stdout.isEmpty)
        #expect(unmapped.stderr.contains("record 0: name 'urn:dev:gauge:7' is not <kind>.<district>.<sensor>/<measurement> and no mapped device's"))
        #expect(unmapped.stderr.contains("entity type 'WasteContainer' is not a model CityBrain reads"))
    }

    @Test("a mapping file with mistakes is refused with each mistake's line, and the run does not start")
    func badMappingFile() throws {
        let directory = try makeTemporaryDirectory("kinds")
        defer { removeTemporaryDirectory(directory) }
        try """
            senml:
              devices:
                - { prefix: "urn:dev:gauge:7", kind: watr, sensor: gauge-7 }
                - { prefix: "urn:dev:gauge:9", kind: water }
            ngsi-ld:
              modles: {}
            measurements:
              lvl: level_m
            """.write(toFile: directory + "/mapping.yaml", atomically: true, encoding: .utf8)
        try "".write(toFile: directory + "/empty.jsonl", atomically: true, encoding: .utf8)
        let run = try CommandRunner.run(["run", "--pipeline", "Pipelines/examples/water-and-waste.yaml", "--input", directory + "/empty.jsonl",
                                         "--feed-mapping", directory + "/mapping.yaml"])
        #expect(run.status == 1)
        let file = directory + "/mapping.yaml"
        #expect(run.stderr.contains("\(file):3:42: error: unknown kind 'watr', did you mean 'water'? (kinds: traffic, parking, environment, water, waste-bin; declare others under 'kinds:' in the pipeline)"))
        #expect(run.stderr.contains("\(file):4:7: error: missing field 'sensor'"))
        #expect(run.stderr.contains("\(file):6:3: error: unknown field 'modles' in 'ngsi-ld', did you mean 'models'? (fields: models)"))
        let bad = try CommandRunner.run(["run", "--pull", "senmll@ipc:///tmp/x.ipc"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("unknown feed format 'senmll' in 'senmll@ipc:///tmp/x.ipc'; expected one of auto, native, senml, ngsi-ld"))
    }
}
