import CityBrainCore
import Foundation
import Logging

/// Reloads a running pipeline from its files: on SIGHUP, or when a watched file changes.
///
/// A file with errors is rejected with its diagnostics and the running rules carry on; a good one
/// is switched to between two batches, and what changed is logged.
public final class PipelineReloader: Sendable {
    private let paths: [String]
    private let logger: Logger
    private let apply: @Sendable (Pipeline) -> ReloadSummary

    /// - Parameter apply: switches the running pipeline (``LivePipeline/reload(_:)``).
    public init(paths: [String], logger: Logger, apply: @escaping @Sendable (Pipeline) -> ReloadSummary) {
        self.paths = paths
        self.logger = logger
        self.apply = apply
    }

    /// The outcome of one reload attempt.
    public enum Outcome: Sendable {
        case reloaded(ReloadSummary)
        case rejected([String])
    }

    /// Reads, checks and applies the files. Never throws: a bad file leaves the pipeline as it was.
    @discardableResult
    public func reload() -> Outcome {
        var sources: [PipelineSource] = []
        for path in paths {
            do {
                sources.append(PipelineSource(name: path, text: try String(contentsOfFile: path, encoding: .utf8)))
            } catch {
                let problem = "\(path): error: cannot read the pipeline file: \((error as NSError).localizedDescription)"
                logger.error("reload rejected; the running pipeline carries on: \(problem)")
                return .rejected([problem])
            }
        }
        do {
            let pipeline = try PipelineLoader.load(sources)
            let summary = apply(pipeline)
            logger.info("reloaded \(paths.joined(separator: ", ")): \(summary)")
            return .reloaded(summary)
        } catch {
            let problems = error.diagnostics.map(\.description)
            logger.error("reload rejected (\(problems.count) error(s)); the running pipeline carries on:\n\(problems.joined(separator: "\n"))")
            return .rejected(problems)
        }
    }

    /// The files' modification times, to notice edits when watching.
    public func modificationDates() -> [Date?] {
        paths.map { (try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate]) as? Date }
    }
}
