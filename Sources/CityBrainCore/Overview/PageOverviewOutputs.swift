/// The window outputs behind the operations page's overview: added to the running pipeline when
/// the page is served (`run --http`), so the overview is computed by the engine, closes with the
/// watermark like the alerts, and reaches the page through an output sink (``CityOverview``).
///
/// Both are keyed by sensor: no event is routed to a second partition for them, and the
/// per-district speed is summed from the sensors' minutes (`sum` and `count` add up exactly).
/// Each sensor's minute gives one final result when the watermark passes it (no allowed
/// lateness: a reading later than that is counted late, not shown).
public enum PageOverviewOutputs {
    /// Each road segment's speed readings per minute: summed per district for the chart.
    public static let traffic = "page-traffic-minute"
    /// Each garage's latest occupancy and capacity per minute: its free spaces.
    public static let parking = "page-parking-minute"

    /// The pipeline file of the two outputs.
    public static let source = PipelineSource(name: "<built-in page overview outputs>", text: """
        # The operations page's overview (run --http): speed per district, free spaces per garage.
        outputs:
          - name: \(traffic)
            description: Each road segment's speed readings per minute, summed per district for the page's chart.
            match: { kind: traffic }
            # One final result per sensor and minute, as the watermark passes it.
            window: { tumbling: 1m, allowed_lateness: 0s }
            aggregates: [sum(speed_kmh), count(speed_kmh)]

          - name: \(parking)
            description: Each garage's latest occupancy and capacity per minute, for the page's free spaces.
            match: { kind: parking }
            window: { tumbling: 1m, allowed_lateness: 0s }
            aggregates: [last(occupied), last(capacity)]
        """)
}

extension Pipeline {
    /// This pipeline with ``PageOverviewOutputs`` added (itself if it has them already).
    public func addingPageOverview() throws(PipelineErrors) -> Pipeline {
        guard !outputs.contains(where: { $0.name == PageOverviewOutputs.traffic }) else { return self }
        return try PipelineLoader.load(sources.filter { $0.name != PageOverviewOutputs.source.name } + [PageOverviewOutputs.source])
    }
}
