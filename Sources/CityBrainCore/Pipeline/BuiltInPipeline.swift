/// The default pipeline compiled into the binary, so `citybrain demo` and `citybrain run`
/// work from any directory. Generated from `Pipelines/city.yaml` by
/// `scripts/embed-default-pipeline`; a test checks that the two agree.
public enum BuiltInPipeline {
    /// Name used in diagnostics for the embedded copy.
    public static let name = "<built-in Pipelines/city.yaml>"

    public static let cityYAML = #"""
# CityBrain default pipeline: what the operations centre watches out of the box.
# The language is documented in docs/pipeline-language.md, and why each detection rule is set as
# it is in docs/detection.md; check a change with
#   citybrain validate Pipelines/city.yaml
#   citybrain evaluate --pipeline Pipelines/city.yaml --input RECORDING --labels LABELS.json
# After editing, run scripts/embed-default-pipeline so the binary carries the same rules.
#
# Every rule here works whatever a sensor's cadence: a simulator reporting every second and a real
# detector reporting every five minutes, irregularly, with gaps. Rules that compare a sensor with
# itself learn in event time and from the sensor's own reporting interval.
name: city

# The city's time zone: time-of-day profiles and weekends follow it.
timezone: UTC

watermark:
  # An event may arrive up to 5 s behind the newest event time seen and still count.
  max_out_of_orderness: 5s
  # Every sensor's one-minute window closes on the same watermark step. With tens of thousands
  # of sensors, spread those closes over a few seconds so the input flows between them (at the
  # cost of up to that much delay per alert and some CPU; docs/pipeline-language.md):
  # close_spread: 2s

# More raised alerts than this per window for one department are grouped into one storm alert.
# `default` applies to every department not listed.
departments:
  default: { storm_limit: 20, storm_window: 1m }
  traffic-police: { storm_limit: 20, storm_window: 1m }
  traffic-operations: { storm_limit: 10, storm_window: 10m }
  parking-management: { storm_limit: 20, storm_window: 1m }
  environment-bureau: { storm_limit: 20, storm_window: 1m }

rules:
  # --- Traffic -------------------------------------------------------------------------------
  - name: traffic-congestion
    description: Slow and dense traffic on a road segment over a minute (where a detector reports speed alone, traffic-speed-drop watches it).
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
    description: The congestion has lasted five minutes of event time; it will not clear by itself.
    kind: sustained
    for: 5m
    match: { kind: traffic }
    window: { tumbling: 1m }
    when: mean(speed_kmh) < 20 and mean(occupancy) > 0.35
    severity: critical
    department: traffic-police
    message: "Congestion on {sensor} ({district}) for 5 minutes: mean speed {mean(speed_kmh)} km/h"

  - name: traffic-speed-drop
    description: A road segment far slower than it usually is at this hour (an incident ahead), scored against its recent level and its time-of-day profile.
    kind: anomaly
    value: speed_kmh
    direction: below
    z: 6
    min_spread: [5%, 2]
    seasonal: { learn: 14d, slot: 30m }
    match: { kind: traffic }
    severity: warning
    department: traffic-police
    message: "{sensor} ({district}): speed {value} km/h, usually {expected} km/h (score {score})"

  - name: traffic-occupancy-surge
    description: A detector far more occupied than it usually is at this hour (a queue building over it).
    kind: anomaly
    value: occupancy
    direction: above
    z: 6
    min_spread: [15%, 0.02]
    seasonal: { learn: 14d, slot: 30m }
    match: { kind: traffic }
    severity: info
    department: traffic-police
    message: "{sensor} ({district}): occupancy {value}, usually {expected} (score {score})"

  - name: traffic-travel-time-surge
    description: A road link taking far longer to cross than it usually does at this hour.
    kind: anomaly
    value: travel_time_s
    direction: above
    z: 6
    min_spread: [15%, 5]
    seasonal: { learn: 14d, slot: 30m }
    match: { kind: traffic }
    severity: warning
    department: traffic-police
    message: "{sensor} ({district}): travel time {value} s, usually {expected} s (score {score})"

  - name: traffic-heading-for-congestion
    description: The speed trend of the last 10 minutes reaches the congestion level within 10 minutes.
    kind: prediction
    value: speed_kmh
    over: 10m
    horizon: 10m
    falls_below: 20
    when: last(speed_kmh) >= 25
    match: { kind: traffic }
    severity: info
    department: traffic-police
    message: "{sensor} ({district}) slowing: speed forecast {value} km/h within 10 minutes"

  - name: traffic-detector-stuck
    description: A detector repeating exactly the same speed, occupancy or flow for 30 minutes (and 6 readings) while vehicles pass is broken, not a calm road.
    kind: stuck
    fields: [speed_kmh, occupancy, flow_vph]
    readings: 6
    for: 30m
    # With no vehicles a detector holds its last speed: a quiet road, not a broken detector.
    when: not (last(flow_vph) == 0)
    match: { kind: traffic }
    severity: info
    department: traffic-operations

  - name: traffic-detector-silent
    description: A road detector silent for three times its own usual longest gap (at least 15 minutes, at most 2 hours).
    kind: silent
    gaps: 3
    at_least: 15m
    at_most: 2h
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
    description: From its trend over the last 30 minutes, a garage below 90 % will be full within 15 minutes.
    kind: prediction
    value: occupied / capacity
    over: 30m
    horizon: 15m
    reaches: 1
    when: last(occupied / capacity) < 0.9
    match: { kind: parking }
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
    description: NO2 far above what this station usually reads at this hour.
    kind: anomaly
    value: no2
    direction: above
    z: 6
    min_spread: [15%, 5]
    seasonal: { learn: 14d, slot: 1h }
    match: { kind: environment }
    severity: info
    department: environment-bureau
    message: "NO2 at {sensor} ({district}): {value} µg/m³, usually {expected} (score {score})"

  - name: air-station-stuck
    description: An air station repeating exactly the same PM2.5 or NO2 for an hour (and 6 readings) is broken.
    kind: stuck
    fields: [pm25, no2]
    readings: 6
    for: 1h
    match: { kind: environment }
    severity: info
    department: environment-bureau

  - name: air-station-silent
    description: An air station silent for three times its own usual longest gap (at least 15 minutes, at most 3 hours).
    kind: silent
    gaps: 3
    at_least: 15m
    at_most: 3h
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

  - name: district-detectors-stuck
    description: Five or more stuck detectors in one district at once are one fault (a roadside controller or a data link), reported once.
    kind: correlation
    at_least: 5
    of: traffic-detector-stuck
    suppress_members: true
    severity: warning
    department: traffic-operations
    message: "{district}: detectors stuck together ({sensors}); check the district's controller or data link"

  - name: district-detectors-silent
    description: Five or more detectors of one district silent at once are one outage (a data link or the feed itself), reported once.
    kind: correlation
    at_least: 5
    of: traffic-detector-silent
    suppress_members: true
    severity: warning
    department: traffic-operations
    message: "{district}: detectors silent together ({sensors}); check the district's data link"

"""#

    /// The embedded default pipeline, loaded.
    public static func city() throws(PipelineErrors) -> Pipeline {
        try PipelineLoader.load(yaml: cityYAML, file: name)
    }
}
