/// An event that arrived after every window it belongs to (for some rule or output) was past its
/// allowed lateness: dropped from those windows, counted, and reported here with the reason.
public struct LateEvent: Sendable, Hashable {
    public var event: Event
    /// Why, naming the first window it missed, e.g. `window [10:00:00.000Z, 10:01:00.000Z) of
    /// speed-1m closed at watermark 10:01:05.000Z (allowed lateness 0s); the event is 7.5 s behind`.
    public var reason: String
    /// The rules and outputs that dropped it.
    public var droppedBy: [String]
    /// The watermark when it arrived, Unix ms.
    public var watermark: Int64

    public init(event: Event, reason: String, droppedBy: [String], watermark: Int64) {
        self.event = event
        self.reason = reason
        self.droppedBy = droppedBy
        self.watermark = watermark
    }

    /// `{"late_event":{…},"reason":…,"dropped_by":[…],"watermark":…}`.
    public var json: String {
        var writer = JSONObjectWriter()
        writer.field("late_event", json: EventEncoder.json(event))
        writer.field("reason", reason)
        writer.field("dropped_by", strings: droppedBy)
        writer.field("watermark", watermark)
        return writer.finish()
    }
}
