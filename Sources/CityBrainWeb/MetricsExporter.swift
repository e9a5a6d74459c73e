import CityBrainCore
import CityBrainHandling
import CityBrainIO
import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// `/metrics`: CityBrain's counters in the Prometheus text format, kept with swift-metrics types
/// on a swift-prometheus registry. Counters follow the pipeline's running totals; gauges are set
/// at each scrape; the ingest→alert latency histogram is fed as alerts are published.
public final class MetricsExporter: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let latency: CoreMetrics.Timer
    private let last = Mutex<[String: Int]>([:])
    /// Counters and gauges by label and dimensions, each made once, at its first scrape.
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        latency = CoreMetrics.Timer(label: "citybrain_ingest_to_alert_seconds", dimensions: [], factory: factory)
    }

    /// Records one alert's ingest→publish latency.
    public func recordAlertLatency(nanoseconds: UInt64) {
        latency.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    private func count(_ label: String, _ dimensions: [(String, String)], total: Int) {
        let key = Self.key(label, dimensions)
        let delta = last.withLock { last -> Int in
            defer { last[key] = total }
            return total - (last[key] ?? 0)
        }
        guard delta > 0 else { return }
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment(by: delta)
    }

    private func gauge(_ label: String, _ value: Double, _ dimensions: [(String, String)] = []) {
        let key = Self.key(label, dimensions)
        let gauge = gauges.withLock { gauges in
            if let gauge = gauges[key] { return gauge }
            let gauge = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
            gauges[key] = gauge
            return gauge
        }
        gauge.record(value)
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
    }

    /// Brings every metric up to date and renders the registry.
    func scrape(_ sources: OperationsSources) -> String {
        let status = sources.status()
        if sources.overview != nil {
            let byKind = status.ingest.decodedByKind
            for kind in Set(EventKind.builtIn).union(byKind.keys).sorted() { count("citybrain_events_total", [("kind", kind.rawValue)], total: byKind[kind] ?? 0) }
        } else {
            count("citybrain_events_total", [("kind", "all")], total: status.ingest.accepted)
        }
        for reason in RejectReason.allCases { count("citybrain_bad_frames_total", [("reason", reason.rawValue)], total: status.ingest.rejected[reason] ?? 0) }
        count("citybrain_lost_frames_total", [], total: status.ingest.lost)
        count("citybrain_late_events_total", [], total: status.engine.lateEvents)
        gauge("citybrain_open_windows", Double(status.engine.openWindows))
        gauge("citybrain_state_bytes", Double(status.engine.stateBytes))
        gauge("citybrain_partition_batches_in_flight", Double(status.engine.batchesInFlight))
        gauge("citybrain_window_close_longest_seconds", Double(status.longestCloseNanoseconds) / 1e9)
        count("citybrain_memory_trims_total", [], total: status.memory.trims)
        count("citybrain_memory_released_bytes_total", [], total: status.memory.releasedBytes)
        for reason in ShedReason.allCases { count("citybrain_shed_readings_total", [("reason", reason.rawValue)], total: status.ingest.shed[reason] ?? 0) }
        gauge("citybrain_overloaded", status.overloadedSince == nil ? 0 : 1)
        if let since = status.overloadedSince { gauge("citybrain_overloaded_since_seconds", Double(since) / 1000) }
        // Every bounded queue: how full it is now, and its bound (docs/operations.md, "Queues and their bounds").
        for (queue, occupancy, bound) in [
            ("ingest_waiting_readings", status.queues.ingestWaiting, FeedReceiver.Options().maxWaitingWhenFull),
            ("engine_batches", status.queues.engineBatches, StreamEngine.defaultMaxBatchesInFlight),
            ("alert_sink_batches", status.queues.alertSinkBatches, AlertDispatcher.maxBatchesQueued),
        ] {
            gauge("citybrain_queue_occupancy", Double(occupancy), [("queue", queue)])
            gauge("citybrain_queue_bound", Double(bound), [("queue", queue)])
        }
        gauge("citybrain_live_feed_clients", Double(status.queues.liveFeedClients))
        gauge("citybrain_queue_bound", Double(OperationsDesk.updatesBuffered), [("queue", "live_feed_updates_per_client")])
        if let lag = sources.watermarkLag(status) { gauge("citybrain_watermark_lag_seconds", lag) }
        if let checkpoints = status.checkpoints {
            count("citybrain_checkpoints_total", [], total: checkpoints.written)
            count("citybrain_checkpoint_failures_total", [], total: checkpoints.failures)
            if let taken = checkpoints.lastTakenAt {
                gauge("citybrain_checkpoint_age_seconds", max(0, Double(SystemClock().epochMilliseconds - taken) / 1000))
            }
            if let bytes = checkpoints.lastBytes { gauge("citybrain_checkpoint_bytes", Double(bytes)) }
            if let seconds = checkpoints.lastWriteSeconds { gauge("citybrain_checkpoint_write_seconds", seconds) }
        }
        for webhook in status.webhooks {
            let target = [("target", webhook.target)]
            count("citybrain_webhook_delivered_total", target, total: webhook.delivered)
            count("citybrain_webhook_failed_attempts_total", target, total: webhook.failedAttempts)
            count("citybrain_webhook_expired_alerts_total", target, total: Int(webhook.expired))
            gauge("citybrain_webhook_backlog_alerts", Double(webhook.backlog), target)
            if let latency = webhook.lastLatencyMilliseconds { gauge("citybrain_webhook_last_latency_seconds", latency / 1000, target) }
        }
        // Alerts by rule and state, from the cases on the board.
        var byRule: [String: [String: Int]] = [:]
        for entry in sources.desk.query(.init(), limit: .max).cases {
            byRule[entry.alert.rule, default: [:]][entry.status.rawValue, default: 0] += 1
        }
        for (rule, states) in byRule {
            for status in AlertCase.Status.allCases { gauge("citybrain_alerts", Double(states[status.rawValue] ?? 0), [("rule", rule), ("state", status.rawValue)]) }
        }
        for (department, rate) in sources.desk.onTimeRates {
            if let value = rate.rate { gauge("citybrain_on_time_rate", value, [("department", department)]) }
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
