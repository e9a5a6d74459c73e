import CityBrainCore
import CityBrainHandling

/// The JSON shapes of the operations API (see docs/openapi.yaml).
enum CaseJSON {
    static func handling(_ handling: Alert.Handling?) -> String? {
        guard let handling else { return nil }
        var writer = JSONObjectWriter()
        writer.field("by", handling.by)
        if let assignee = handling.assignee { writer.field("assignee", assignee) }
        if let note = handling.note { writer.field("note", note) }
        writer.field("at", handling.at)
        return writer.finish()
    }

    /// One case: `{"id":…,"status":…,"opened_at":…,"deadline":…,"on_time":…,"acknowledged":{…}|null,…,"alert":{…}}`.
    static func encode(_ entry: AlertCase, now: Int64) -> String {
        var writer = JSONObjectWriter()
        writer.field("id", entry.id)
        writer.field("status", entry.status.rawValue)
        writer.field("severity", entry.alert.severity.rawValue)
        writer.field("department", entry.alert.department)
        writer.field("district", entry.alert.district)
        writer.field("rule", entry.alert.rule)
        writer.field("key", entry.alert.key)
        writer.field("message", entry.alert.message)
        writer.field("opened_at", entry.openedAt)
        writer.field("deadline", entry.deadline)
        writer.field("on_time", json: entry.handledOnTime(at: now).map { $0 ? "true" : "false" } ?? "null")
        writer.field("acknowledged", json: handling(entry.acknowledged) ?? "null")
        writer.field("assigned", json: handling(entry.assigned) ?? "null")
        writer.field("resolved", json: handling(entry.resolved) ?? "null")
        writer.field("escalated_at", json: entry.escalatedAt.map { String($0) } ?? "null")
        writer.field("alert", json: entry.alert.json)
        return writer.finish()
    }

    static func page(_ cases: [AlertCase], total: Int, offset: Int, limit: Int, now: Int64) -> String {
        var writer = JSONObjectWriter()
        writer.field("total", Int64(total))
        writer.field("offset", Int64(offset))
        writer.field("limit", Int64(limit))
        writer.field("alerts", json: "[" + cases.map { encode($0, now: now) }.joined(separator: ",") + "]")
        if offset + cases.count < total { writer.field("next_offset", Int64(offset + cases.count)) }
        return writer.finish()
    }

    static func error(_ message: String) -> String {
        var writer = JSONObjectWriter()
        writer.field("error", message)
        return writer.finish()
    }
}
