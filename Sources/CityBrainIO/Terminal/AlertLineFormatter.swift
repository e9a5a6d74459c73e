import CityBrainCore

/// One readable line per alert for people watching a terminal:
/// `10:03:00  RAISED    warning   traffic-police      seg-0012 (d03)  Congestion on …`
public struct AlertLineFormatter: Sendable {
    /// Use ANSI colours: red critical, yellow warning, cyan info, green resolved.
    public var colour: Bool

    public init(colour: Bool) {
        self.colour = colour
    }

    public func format(_ alert: Alert) -> String {
        let state = alert.state.rawValue.uppercased().padding(9)
        let severity = alert.severity.rawValue.padding(9)
        let place = "\(alert.key)\(alert.district.map { " (\($0))" } ?? "")"
        var message = alert.message
        if let handling = alert.handling {
            message = "by \(handling.by)" + (handling.assignee.map { " → \($0)" } ?? "") + (handling.note.map { ": \($0)" } ?? "") + " · " + message
        }
        let line = "\(EventTime.timeOfDay(alert.ts))  #\(alert.seq)  \(state)\(severity)\(alert.department.padding(20))\(place.padding(20))\(message)"
        guard colour else { return line }
        let code: String
        switch (alert.state, alert.severity) {
        case (.resolved, _): code = "32"
        case (_, .critical): code = "1;31"
        case (_, .warning): code = "33"
        case (_, .info): code = "36"
        }
        return "\u{1B}[\(code)m\(line)\u{1B}[0m"
    }
}

extension String {
    /// Left-justified in `width` columns, followed by at least one space.
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
