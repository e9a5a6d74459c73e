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
# After editing, run scripts/embed-default-pipeline so the binary carries the same rules.
name: city

watermark:
  # An event may arrive up to 5 s behind the newest event time seen and still count.
  max_out_of_orderness: 5s

# More raised alerts than this per minute for one department are grouped into one storm alert.
departments:
  traffic-police: { storm_limit: 20, storm_window: 1m }
  parking-management: { storm_limit: 20, storm_window: 1m }
  environment-bureau: { storm_limit: 20, storm_window: 1m }

rules:
  # --- Traffic -------------------------------------------------------------------------------
  - name: traffic-congestion
    description: Slow and dense traffic on a road segment for a whole minute.
    match: { kind: traffic }
    window: { tumbling: 1m }
    when: mean(speed_kmh) < 20 and mean(occupancy) > 0.35
    # Hysteresis: stay open until traffic clearly flows again.
    clear_when: mean(speed_kmh) >= 25 or mean(occupancy) <= 0.30
    severity: warning
    escalate: { critical: mean(speed_kmh) < 8 }
    department: traffic-police
    message: "Congestion on {sensor} ({district}): mean speed {mean(speed_kmh)} km/h, occupancy {mean(occupancy) * 100} %"

  - name: traffic-congestion-persistent
    description: The congestion has lasted five minutes in a row; it will not clear by itself.
    kind: sustained
    for: 5
    match: { kind: traffic }
    window: { tumbling: 1m }
    when: mean(speed_kmh) < 20 and mean(occupancy) > 0.35
    severity: critical
    department: traffic-police
    message: "Congestion on {sensor} ({district}) for 5 minutes: mean speed {mean(speed_kmh)} km/h"

  - name: traffic-speed-collapse
    description: Speed falling faster than 0.5 km/h every second within a minute (an incident ahead).
    kind: rate
    field: speed_kmh
    below: -0.5
    match: { kind: traffic }
    window: { tumbling: 1m }
    severity: warning
    department: traffic-police

  - name: traffic-heading-for-congestion
    description: The 5-minute speed trend reaches the congestion level within 10 minutes.
    kind: prediction
    value: speed_kmh
    horizon: 10m
    falls_below: 20
    when: last(speed_kmh) >= 25
    match: { kind: traffic }
    window: { sliding: { size: 5m, slide: 1m } }
    severity: info
    department: traffic-police
    message: "{sensor} ({district}) slowing: speed forecast {value} km/h within 10 minutes"

  - name: traffic-detector-stuck
    description: A detector repeating the same speed for 15 minutes is broken, not a calm road.
    kind: stuck
    field: speed_kmh
    for: 15m
    every: 3m
    match: { kind: traffic }
    severity: info
    department: traffic-operations

  # --- Parking -------------------------------------------------------------------------------
  - name: parking-nearly-full
    description: A garage or bay group at 95 % of its capacity or more over a minute.
    match: { kind: parking }
    window: { tumbling: 1m }
    when: mean(occupied / capacity) >= 0.95
    clear_when: mean(occupied / capacity) < 0.90
    severity: info
    department: parking-management
    message: "{sensor} ({district}) is {mean(occupied / capacity) * 100} % full ({max(capacity) - max(occupied)} spaces left)"

  - name: parking-full-soon
    description: From its 10-minute trend, a garage below 90 % will be full within 15 minutes.
    kind: prediction
    value: occupied / capacity
    horizon: 15m
    reaches: 1
    when: last(occupied / capacity) < 0.9
    match: { kind: parking }
    window: { sliding: { size: 10m, slide: 1m } }
    severity: info
    department: parking-management
    message: "{sensor} ({district}) will be full within 15 minutes at the current rate (now {last(occupied / capacity) * 100} %)"

  # --- Environment ---------------------------------------------------------------------------
  - name: air-quality-pm25
    description: Fine particulate matter above the 24-hour WHO interim target 1 (75 µg/m³), as a 5-minute mean.
    match: { kind: environment }
    window: { tumbling: 5m }
    when: mean(pm25) > 75
    clear_when: mean(pm25) <= 60
    severity: warning
    escalate: { critical: mean(pm25) > 150 }
    department: environment-bureau
    message: "PM2.5 at {sensor} ({district}) averages {mean(pm25)} µg/m³ over 5 minutes (limit {threshold})"

  - name: air-quality-unusual
    description: NO2 far outside what this station usually reads (robust baseline of the last hour).
    kind: outlier
    value: mean(no2)
    baseline: mad
    history: 12
    warmup: 12
    z: 8
    direction: above
    match: { kind: environment }
    window: { tumbling: 5m }
    severity: info
    department: environment-bureau

  # --- Any sensor ----------------------------------------------------------------------------
  - name: traffic-detector-silent
    description: A road detector that has sent nothing for 10 minutes of event time.
    kind: silent
    after: 10m
    match: { kind: traffic }
    severity: info
    department: traffic-operations

  - name: air-station-silent
    kind: silent
    after: 15m
    match: { kind: environment }
    severity: info
    department: environment-bureau

  # --- City operations duty desk: patterns across sensors and feeds --------------------------
  - name: divert-to-park-and-ride
    description: Congestion on a segment while a garage in the same district is nearly full.
    kind: correlation
    all_of: [traffic-congestion, parking-nearly-full]
    severity: warning
    department: city-operations
    message: "Divert traffic in {district} to park-and-ride: congestion and a nearly full garage ({sensors})"

  - name: district-air-episode
    description: Three or more air stations of a district over the PM2.5 limit together; one alert instead of one per station.
    kind: correlation
    at_least: 3
    of: air-quality-pm25
    suppress_members: true
    severity: critical
    department: city-operations
    message: "Air-quality episode in {district}: {sensors}"

"""#

    /// The embedded default pipeline, loaded.
    public static func city() throws(PipelineErrors) -> Pipeline {
        try PipelineLoader.load(yaml: cityYAML, file: name)
    }
}
