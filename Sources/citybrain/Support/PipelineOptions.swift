import ArgumentParser
import CityBrainCore
import Foundation

/// `--pipeline FILE` (repeatable); without it, the built-in default pipeline.
struct PipelineOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Pipeline file (YAML); repeat to load several together. Default: the built-in Pipelines/city.yaml.", valueName: "file"))
    var pipeline: [String] = []

    /// Loads the pipeline, printing every diagnostic and failing with exit code 1 on errors.
    func load() throws -> Pipeline {
        do {
            if pipeline.isEmpty { return try BuiltInPipeline.city() }
            return try PipelineLoader.load(try pipeline.map(Self.read))
        } catch let errors as PipelineErrors {
            for diagnostic in errors.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
            throw ExitCode.failure
        }
    }

    static func read(_ path: String) throws -> PipelineSource {
        PipelineSource(name: path, text: try ConfigurationFile.read(path, what: "the pipeline file"))
    }
}
