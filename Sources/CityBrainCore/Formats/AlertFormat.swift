/// How alerts are written to files and webhooks (`--alert-format`). The ZeroMQ alert stream,
/// the journal and catch-up replies stay native: consumers and the catch-up protocol read them.
public enum AlertFormat: String, Sendable, CaseIterable, Codable {
    /// CityBrain's alert JSON (`docs/wire-format.md`).
    case native
    /// FIWARE `Alert` entities in NGSI-LD's normalized form (``NGSILDAlertEncoder``).
    case ngsiLD = "ngsi-ld"

    public func render(_ alert: Alert) -> String {
        switch self {
        case .native: alert.json
        case .ngsiLD: NGSILDAlertEncoder.json(alert)
        }
    }

    /// An alert in this format; window results, late events and scores in native JSON.
    public func render(_ record: OutputRecord) -> String {
        if case .alert(let alert) = record { return render(alert) }
        return record.json
    }

    /// The alert sequence number a rendered line carries, if it is an alert: `seq`, or the
    /// NGSI-LD entity's `sequence` property.
    public static func sequence(of line: JSONValue) -> UInt64? {
        let number = line["seq"]?.number ?? line["sequence"]?["value"]?.number
        return number.flatMap { $0 >= 0 && $0 < 1.8e19 ? UInt64($0) : nil }
    }
}
