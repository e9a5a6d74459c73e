import CityBrainCore

/// Turns successive ``PipelineStatus`` samples into one line with rates:
/// `in 12,345 ev (3,210/s) │ alerts 12 (open 3) │ bad 3 │ late 0 │ wm 10:23:45 (lag 5.1 s) │ windows 1,234 (2.1 MB)`.
public struct StatusLine: Sendable {
    private var previous: (status: PipelineStatus, seconds: Double)?

    public init() {}

    /// The line for `status` sampled at `seconds` (any monotonic clock) and the wall-clock
    /// time `nowMilliseconds`, used for the watermark lag.
    public mutating func render(_ status: PipelineStatus, seconds: Double, nowMilliseconds: Int64) -> String {
        var rate = 0.0
        if let previous, seconds > previous.seconds {
            rate = Double(status.ingest.accepted - previous.status.ingest.accepted) / (seconds - previous.seconds)
        }
        previous = (status, seconds)
        var watermark = "wm -"
        if let mark = status.engine.watermark {
            let lag = Double(nowMilliseconds - mark) / 1000
            // Replays and the demo can run event time ahead of the clock.
            let relation = lag >= 0 ? "lag \(Self.grouped(lag, decimals: 1)) s" : "ahead \(Self.grouped(-lag, decimals: 1)) s"
            watermark = "wm \(EventTime.timeOfDay(mark)) (\(relation))"
        }
        var parts = [
            "in \(Self.grouped(Double(status.ingest.accepted))) ev (\(Self.grouped(rate))/s)",
            "alerts \(status.lastSequence) (open \(status.engine.openAlerts))",
            "bad \(Self.grouped(Double(status.ingest.rejectedTotal)))" + (status.ingest.lost > 0 ? " lost \(Self.grouped(Double(status.ingest.lost)))" : "")
                + (status.ingest.shedTotal > 0 ? " shed \(Self.grouped(Double(status.ingest.shedTotal)))" : ""),
            "late \(Self.grouped(Double(status.engine.lateEvents)))"
                + (status.engine.outOfRangeReadings > 0 ? " out of range \(Self.grouped(Double(status.engine.outOfRangeReadings)))" : ""),
            watermark,
            "windows \(Self.grouped(Double(status.engine.openWindows))) (\(Self.megabytes(status.engine.stateBytes)))",
        ]
        if let checkpoints = status.checkpoints {
            var text = checkpoints.lastTakenAt.map { "ckpt \(Self.grouped(Double(max(0, nowMilliseconds - $0)) / 1000)) s ago" } ?? "ckpt none yet"
            if checkpoints.failures > 0 { text += " (\(checkpoints.failures) failed)" }
            parts.append(text)
        }
        return parts.joined(separator: " │ ")
    }

    /// `2_100_000` → `2.1 MB`.
    static func megabytes(_ bytes: Int) -> String {
        "\((Double(bytes) / 100_000).rounded() / 10) MB"
    }

    /// `1234567.8` → `1,234,568`; with decimals, `-2.5`.
    static func grouped(_ value: Double, decimals: Int = 0) -> String {
        guard value.isFinite else { return "-" }
        if decimals > 0, abs(value) < 1000 {
            let scale = Double(10 * decimals)
            return String((value * scale).rounded() / scale)
        }
        let whole = Int64(value.rounded())
        let digits = Array(String(abs(whole)))
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text += "," }
            text.append(digit)
        }
        return (whole < 0 ? "-" : "") + text
    }
}
