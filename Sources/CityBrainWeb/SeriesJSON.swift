import CityBrainCore

/// The JSON shape of `GET /api/alerts/{id}/series` (see docs/openapi.yaml): the alert's sensor's
/// recent readings as its rule scored them, with the band the rule expected them in.
enum SeriesJSON {
    /// `{"id":…,"rule":…,"sensor":…,"observed_at":…,"band":…,"points":[{"ts":…,"value":…,"expected":…,"spread":…,"open":…},…]}`;
    /// `band` (the rule's `z`: the band is expected ± band × spread) is null for a rule that
    /// scores no readings, and then `points` is empty.
    static func encode(_ alert: Alert, points: [ScoreSeriesStore.Point], band: Double?) -> String {
        var writer = JSONObjectWriter()
        writer.field("id", alert.id)
        writer.field("rule", alert.rule)
        writer.field("sensor", alert.sensor)
        writer.field("observed_at", json: alert.observedAt.map { String($0) } ?? "null")
        writer.field("band", band)
        writer.field("points", json: "[" + points.map(point).joined(separator: ",") + "]")
        return writer.finish()
    }

    private static func point(_ point: ScoreSeriesStore.Point) -> String {
        var writer = JSONObjectWriter()
        writer.field("ts", point.ts)
        writer.field("value", point.value)
        writer.field("expected", point.expected)
        writer.field("spread", point.spread)
        writer.field("open", json: point.open ? "true" : "false")
        return writer.finish()
    }
}
