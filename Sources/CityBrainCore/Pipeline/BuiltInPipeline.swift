/// The default pipeline compiled into the binary, so `citybrain demo` and `citybrain run`
/// work from any directory. Generated from `Pipelines/city.yaml` by
/// `scripts/embed-default-pipeline`; a test checks that the two agree.
public enum BuiltInPipeline {
    /// Name used in diagnostics for the embedded copy.
    public static let name = "<built-in Pipelines/city.yaml>"

    public static let cityYAML = #"""
# CityBrain default pipeline: what the operations centre watches out of the box.
# The language is documented in docs/pipeline-language.md; check a change with
#   citybrain validate Pipelines/city.yaml
name: city

watermark:
  # An event may arrive up to 5 s behind the newest event time seen and still count.
  max_out_of_orderness: 5s

rules:
  - name: traffic-congestion
    description: Slow and dense traffic on a road segment for a whole minute.
    match: { kind: traffic }
    window: { tumbling: 1m }
    when: mean(speed_kmh) < 20 and mean(occupancy) > 0.35
    # Hysteresis: stay open until traffic clearly flows again.
    clear_when: mean(speed_kmh) >= 25 or mean(occupancy) <= 0.30
    severity: warning
    department: traffic-police
    message: "Congestion on {sensor} ({district}): mean speed {mean(speed_kmh)} km/h, occupancy {mean(occupancy) * 100} %"

  - name: parking-nearly-full
    description: A garage or bay group at 95 % of its capacity or more over a minute.
    match: { kind: parking }
    window: { tumbling: 1m }
    when: mean(occupied / capacity) >= 0.95
    clear_when: mean(occupied / capacity) < 0.90
    severity: info
    department: parking-management
    message: "{sensor} ({district}) is {mean(occupied / capacity) * 100} % full ({max(capacity) - max(occupied)} spaces left)"

  - name: air-quality-pm25
    description: Fine particulate matter above the 24-hour WHO interim target 1 (75 µg/m³), as a 5-minute mean.
    match: { kind: environment }
    window: { tumbling: 5m }
    when: mean(pm25) > 75
    clear_when: mean(pm25) <= 60
    severity: critical
    department: environment-bureau
    message: "PM2.5 at {sensor} ({district}) averages {mean(pm25)} µg/m³ over 5 minutes (limit {threshold})"

"""#

    /// The embedded default pipeline, loaded.
    public static func city() throws(PipelineErrors) -> Pipeline {
        try PipelineLoader.load(yaml: cityYAML, file: name)
    }
}
