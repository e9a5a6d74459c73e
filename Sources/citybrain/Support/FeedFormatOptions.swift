import ArgumentParser
import CityBrainCore
import Foundation

/// `--feed-format` and `--feed-mapping`: what the feeds (or `--input`) speak.
struct FeedFormatOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "What feeds and --input speak: auto (by content, frame by frame), native, senml (JSON or CBOR) or ngsi-ld. An endpoint may name its own: --pull senml@tcp://*:5570.",
        valueName: "format"))
    var feedFormat: FeedFormat = .auto

    @Option(name: .long, help: ArgumentHelp("YAML file mapping SenML device names and NGSI-LD entity types to kinds, sensors and measurements (docs/feed-formats.md).",
                                            valueName: "file"))
    var feedMapping: String?

    /// The mapping file, checked against the pipeline; its problems are printed and exit with 1.
    func mapping(for pipeline: Pipeline) throws -> FeedMapping {
        guard let feedMapping else { return FeedMapping() }
        return try Self.loadMapping(feedMapping, for: pipeline)
    }

    /// The mapping file at `feedMapping`, checked against `pipeline` (also for `validate`).
    static func loadMapping(_ feedMapping: String, for pipeline: Pipeline) throws -> FeedMapping {
        let text = try ConfigurationFile.read(feedMapping, what: "the mapping file")
        return try ConfigurationFile.load { () throws(PipelineErrors) in
            try FeedMappingLoader.load(text: text, name: feedMapping, catalogue: pipeline.catalogue)
        }
    }
}

extension FeedFormat: ExpressibleByArgument {}
extension FrameEncoding: ExpressibleByArgument {}
extension AlertFormat: ExpressibleByArgument {}
