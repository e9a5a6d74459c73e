import CityBrainCore
import CityBrainIO
import Foundation

/// What the web layer reads from a running CityBrain: the desk, the pipeline's counters, the
/// city overview, and the facts `/health` reports.
public struct OperationsSources: Sendable {
    public var desk: OperationsDesk
    public var status: @Sendable () -> PipelineStatus
    public var overview: OverviewTracker?
    /// The anomaly rules' recent series, for an alert's chart.
    public var series: SeriesRecorder?
    /// The alert threshold of an anomaly rule, in spreads (its `z`), to draw the expected band;
    /// `nil` for a rule of another kind.
    public var bandWidth: @Sendable (_ rule: String) -> Double?
    /// Whether the feed and alert sockets are bound.
    public var socketsBound: @Sendable () -> Bool
    /// The journal's directory, if alerts are journaled.
    public var journalDirectory: URL?

    public init(desk: OperationsDesk, status: @escaping @Sendable () -> PipelineStatus, overview: OverviewTracker?,
                socketsBound: @escaping @Sendable () -> Bool, journalDirectory: URL?,
                series: SeriesRecorder? = nil, bandWidth: @escaping @Sendable (_ rule: String) -> Double? = { _ in nil }) {
        self.desk = desk
        self.status = status
        self.overview = overview
        self.series = series
        self.bandWidth = bandWidth
        self.socketsBound = socketsBound
        self.journalDirectory = journalDirectory
    }

    /// Wires the sources to a ``LivePipeline`` that keeps a desk.
    public init?(live: LivePipeline, journalDirectory: URL?) {
        guard let desk = live.desk else { return nil }
        self.init(desk: desk, status: { live.status }, overview: live.overview, socketsBound: { live.isRunning }, journalDirectory: journalDirectory,
                  series: live.series, bandWidth: { rule in live.engine.pipeline.anomalyBandWidth(of: rule) })
    }

    /// Liveness and readiness with the facts behind them.
    func health() -> (ready: Bool, json: String) {
        let bound = socketsBound()
        var journalWritable = true
        if let journalDirectory {
            journalWritable = FileManager.default.isWritableFile(atPath: journalDirectory.path)
        }
        let status = status()
        var writer = JSONObjectWriter()
        let ready = bound && journalWritable
        writer.field("status", ready ? "ready" : "not_ready")
        writer.field("live", json: "true")
        writer.field("ready", json: ready ? "true" : "false")
        writer.field("sockets_bound", json: bound ? "true" : "false")
        writer.field("journal_writable", json: journalDirectory == nil ? "null" : (journalWritable ? "true" : "false"))
        writer.field("watermark_lag_seconds", watermarkLag(status))
        return (ready, writer.finish())
    }

    func watermarkLag(_ status: PipelineStatus) -> Double? {
        status.engine.watermark.map { Double(desk.now - $0) / 1000 }
    }
}
