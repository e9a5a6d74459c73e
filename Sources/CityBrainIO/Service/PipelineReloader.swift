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

    /// What identifies each file's current version, to notice edits when watching: the file the
    /// path resolves to (through every symbolic link) and its modification time. A Kubernetes
    /// ConfigMap volume updates by swapping a `..data` link to a new directory, which leaves the
    /// link the path names untouched: the resolved path changes, the link's own time does not.
    public func fileStamps() -> [String?] {
        paths.map { path in
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: resolved)[.modificationDate]) as? Date else { return nil }
            return "\(resolved)@\(modified.timeIntervalSince1970)"
        }
    }
}
