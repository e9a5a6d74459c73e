import ArgumentParser
import CityBrainCore
import Foundation

/// `citybrain validate`: checks pipeline files without running them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check pipeline files and report every error with file, line and column.",
        discussion: "Files given together are loaded as one pipeline, as `run --pipeline A --pipeline B` would; --feed-mapping checks a mapping file against them. Exit code 0 when valid, 1 when not."
    )

    @Option(name: .long, help: ArgumentHelp("Also check this feed mapping file (docs/feed-formats.md) against the pipeline.", valueName: "file"))
    var feedMapping: String?

    @Argument(help: ArgumentHelp("Pipeline files (YAML).", valueName: "file"))
    var files: [String] = ["Pipelines/city.yaml"]

    func run() throws {
        let sources = try files.map(PipelineOptions.read)
        do {
            let pipeline = try PipelineLoader.load(sources)
            var summary = "\(files.joined(separator: ", ")): ok, \(pipeline.rules.count) rule(s)"
            if !pipeline.rules.isEmpty { summary += ": " + pipeline.rules.map { "\($0.name) → \($0.department)" }.joined(separator: ", ") }
            if !pipeline.correlations.isEmpty {
                summary += "; \(pipeline.correlations.count) correlation(s): " + pipeline.correlations.map { "\($0.name) → \($0.department)" }.joined(separator: ", ")
            }
            if !pipeline.outputs.isEmpty {
                summary += "; \(pipeline.outputs.count) output(s): " + pipeline.outputs.map { "\($0.name) (\($0.aggregation.window.spec.summary))" }.joined(separator: ", ")
            }
            if !pipeline.kinds.isEmpty {
                summary += "; \(pipeline.kinds.count) declared kind(s): " + pipeline.kinds.map { declaration in
                    let names = pipeline.measurements.filter { $0.kind == declaration.kind }.map(\.name)
                    return "\(declaration.kind) (\(names.joined(separator: ", ")))"
                }.joined(separator: ", ")
            }
            if let feedMapping {
                let mapping = try FeedFormatOptions.loadMapping(feedMapping, for: pipeline)
                summary += "; mapping \(feedMapping): \(mapping.devices.count) SenML device(s), \(mapping.models.count) NGSI-LD model(s), "
                    + "\(mapping.measurements.count) renamed measurement(s)"
            }
            print(summary)
        } catch let error as PipelineErrors {
            for diagnostic in error.diagnostics { print(diagnostic) }
            let count = error.diagnostics.count
            FileHandle.standardError.write(Data("\(count) error\(count == 1 ? "" : "s")\n".utf8))
            throw ExitCode.failure
        }
    }
}
