/// Renders an ``Alert`` as a FIWARE `Alert` entity (Smart Data Model `dataModel.Alert`) in
/// NGSI-LD's normalized form, for dispatch systems and context brokers that speak NGSI-LD
/// (`--alert-format ngsi-ld`).
///
/// One lifecycle is one entity: raise, updates and resolve share the id
/// `urn:ngsi-ld:Alert:citybrain:<alert id>`, so a broker that upserts them keeps the alert's
/// latest state.
///
/// | Alert field | from |
/// | --- | --- |
/// | `category` | the kind: `traffic` (traffic, parking), `environment`, or the declared kind's name |
/// | `subCategory` | the rule |
/// | `severity` | `informational`, `medium`, `critical` (CityBrain's info, warning, critical) |
/// | `alertSource` | the sensor (or the rule's key) |
/// | `dateIssued` | when the state changed (event time) |
/// | `validFrom`, `validTo` | the raise, and for a resolved alert the resolve |
/// | `description` | the message |
///
/// CityBrain's own fields (state, department, district, value, threshold, seq, sensors) follow as
/// properties of their own. No `location`: feeds carry no coordinates.
public enum NGSILDAlertEncoder {
    public static func json(_ alert: Alert) -> String {
        var writer = JSONObjectWriter()
        writer.field("id", "urn:ngsi-ld:Alert:citybrain:" + percentEncoded(alert.id))
        writer.field("type", "Alert")
        NGSIProperty.text(&writer, "category", category(of: alert.kind))
        NGSIProperty.text(&writer, "subCategory", alert.rule)
        NGSIProperty.text(&writer, "severity", severity(alert.severity))
        NGSIProperty.text(&writer, "alertSource", alert.sensor ?? alert.key)
        NGSIProperty.dateTime(&writer, "dateIssued", alert.ts)
        NGSIProperty.dateTime(&writer, "validFrom", raisedAt(alert) ?? alert.ts)
        if alert.state == .resolved { NGSIProperty.dateTime(&writer, "validTo", alert.ts) }
        NGSIProperty.text(&writer, "description", alert.message)
        NGSIProperty.text(&writer, "alertState", alert.state.rawValue)
        NGSIProperty.text(&writer, "department", alert.department)
        if let district = alert.district { NGSIProperty.text(&writer, "areaServed", district) }
        if let value = alert.value { NGSIProperty.number(&writer, "observedValue", value) }
        if let threshold = alert.threshold { NGSIProperty.number(&writer, "threshold", threshold) }
        if let sensors = alert.sensors {
            var property = JSONObjectWriter()
            property.field("type", "Property")
            property.field("value", strings: sensors)
            writer.field("sensors", json: property.finish())
        }
        NGSIProperty.number(&writer, "sequence", Double(alert.seq))
        writer.field("@context", strings: ["https://raw.githubusercontent.com/smart-data-models/dataModel.Alert/master/context.jsonld",
                                           "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"])
        return writer.finish()
    }

    /// FIWARE's `category` for a kind of feed.
    static func category(of kind: EventKind) -> String {
        switch kind {
        case .traffic, .parking: "traffic"
        case .environment: "environment"
        default: kind.rawValue
        }
    }

    /// FIWARE's `severity` (informational, low, medium, high, critical).
    static func severity(_ severity: Severity) -> String {
        switch severity {
        case .info: "informational"
        case .warning: "medium"
        case .critical: "critical"
        }
    }

    /// The raise time, the last `:`-part of the lifecycle id (`<rule>:<key>:<ts of the raise>`).
    static func raisedAt(_ alert: Alert) -> Int64? {
        alert.id.split(separator: ":").last.flatMap { Int64($0) }
    }

    /// `text` with everything but unreserved characters and `:` percent-encoded, for a URN.
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ":"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }
}

/// Writes NGSI-LD properties in the normalized form.
enum NGSIProperty {
    static func text(_ writer: inout JSONObjectWriter, _ name: String, _ value: String) {
        var property = JSONObjectWriter()
        property.field("type", "Property")
        property.field("value", value)
        writer.field(name, json: property.finish())
    }

    static func number(_ writer: inout JSONObjectWriter, _ name: String, _ value: Double, unitCode: String? = nil, observedAt: String? = nil) {
        var property = JSONObjectWriter()
        property.field("type", "Property")
        property.field("value", value)
        if let unitCode { property.field("unitCode", unitCode) }
        if let observedAt { property.field("observedAt", observedAt) }
        writer.field(name, json: property.finish())
    }

    static func dateTime(_ writer: inout JSONObjectWriter, _ name: String, _ milliseconds: Int64) {
        dateTime(&writer, name, EventTime.iso8601(milliseconds))
    }

    static func dateTime(_ writer: inout JSONObjectWriter, _ name: String, _ text: String) {
        var literal = JSONObjectWriter()
        literal.field("@type", "DateTime")
        literal.field("@value", text)
        var property = JSONObjectWriter()
        property.field("type", "Property")
        property.field("value", json: literal.finish())
        writer.field(name, json: property.finish())
    }
}
