import CityBrainCore
import CityBrainHandling
import CityBrainIO
import Dispatch
import Hummingbird
import NIOCore

/// The page's live feed as server-sent events: `cases` with every changed case as it is
/// published, `stats` once a second (counters, on-time rates, parking, traffic speed), and a full
/// `snapshot` of the active cases when the connection opens.
struct LiveFeed: Sendable {
    let sources: OperationsSources

    func response() -> Response {
        let updates = sources.desk.updates()
        let body = ResponseBody { writer in
            var rate = LiveRates(sources.status())
            try await writer.write(ByteBuffer(string: event("snapshot", snapshot())))
            try await writer.write(ByteBuffer(string: event("stats", stats(&rate))))
            for await update in updates {
                switch update {
                case .cases(let cases):
                    let now = sources.desk.now
                    try await writer.write(ByteBuffer(string: event("cases", "[" + cases.map { CaseJSON.encode($0, now: now) }.joined(separator: ",") + "]")))
                case .tick:
                    try await writer.write(ByteBuffer(string: event("stats", stats(&rate))))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    private func event(_ name: String, _ json: String) -> String { "event: \(name)\ndata: \(json)\n\n" }

    /// Every case not resolved, and those resolved in the last hour.
    func snapshot() -> String {
        let now = sources.desk.now
        let active = sources.desk.query(.init(status: .open), limit: 500).cases + sources.desk.query(.init(status: .acknowledged), limit: 500).cases
        let recent = sources.desk.query(.init(status: .resolved, since: now - 3_600_000), limit: 200).cases
        return "[" + (active + recent).map { CaseJSON.encode($0, now: now) }.joined(separator: ",") + "]"
    }

    func stats(_ rate: inout LiveRates) -> String {
        let status = sources.status()
        let now = sources.desk.now
        var writer = JSONObjectWriter()
        writer.field("events", Int64(status.ingest.accepted))
        writer.field("events_per_second", rate.events.update(events: status.ingest.accepted))
        writer.field("alerts_last_hour", Int64(sources.desk.query(.init(since: now - 3_600_000), limit: 1).total))
        writer.field("bad_frames", Int64(status.ingest.rejectedTotal))
        writer.field("late_events", Int64(status.engine.lateEvents))
        writer.field("lost_frames", Int64(status.ingest.lost))
        writer.field("shed_readings", Int64(status.ingest.shedTotal))
        writer.field("shed_per_second", rate.shed.update(events: status.ingest.shedTotal))
        if let since = status.overloadedSince { writer.field("overloaded_since", since) } else { writer.field("overloaded_since", json: "null") }
        writer.field("most_shed", json: "[" + status.mostShed.map { shed in
            var one = JSONObjectWriter()
            one.field("sensor", shed.sensor)
            one.field("readings", Int64(shed.readings))
            return one.finish()
        }.joined(separator: ",") + "]")
        writer.field("watermark_lag_seconds", sources.watermarkLag(status))
        var rates = JSONObjectWriter()
        for (department, rate) in sources.desk.onTimeRates.sorted(by: { $0.key < $1.key }) {
            var one = JSONObjectWriter()
            one.field("on_time", Int64(rate.onTime))
            one.field("total", Int64(rate.total))
            one.field("rate", rate.rate)
            rates.field(department, json: one.finish())
        }
        writer.field("on_time", json: rates.finish())
        if let overview = sources.overview?.snapshot {
            var parking = JSONObjectWriter()
            for (district, garages) in overview.parkingByDistrict.sorted(by: { $0.key < $1.key }) {
                parking.field(district, json: "[" + garages.map { garage in
                    var one = JSONObjectWriter()
                    one.field("sensor", garage.sensor)
                    one.field("free", Int64(garage.free))
                    one.field("capacity", garage.capacity)
                    return one.finish()
                }.joined(separator: ",") + "]")
            }
            writer.field("parking", json: parking.finish())
            var speed = JSONObjectWriter()
            for (district, points) in overview.speedByDistrict.sorted(by: { $0.key < $1.key }) {
                speed.field(district, json: "[" + points.map { "[\($0.minute),\(JSONObjectWriter.number(($0.meanSpeed * 10).rounded() / 10))]" }.joined(separator: ",") + "]")
            }
            writer.field("speed", json: speed.finish())
        }
        return writer.finish()
    }
}

/// The rates one live-feed connection shows: events taken and readings shed per second.
struct LiveRates {
    var events: RateMeter
    var shed: RateMeter

    init(_ status: PipelineStatus) {
        events = RateMeter(events: status.ingest.accepted)
        shed = RateMeter(events: status.ingest.shedTotal)
    }
}

/// Events per second between two stats messages.
struct RateMeter {
    private var events: Int
    private var at = SystemClock().uptimeNanoseconds

    init(events: Int) { self.events = events }

    mutating func update(events now: Int) -> Double {
        let time = SystemClock().uptimeNanoseconds
        defer { events = now; at = time }
        let seconds = Double(time - at) / 1e9
        return seconds > 0.05 ? (Double(now - events) / seconds).rounded() : 0
    }
}
