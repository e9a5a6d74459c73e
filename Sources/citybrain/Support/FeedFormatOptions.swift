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
        let text: String
        do {
            text = try String(contentsOfFile: feedMapping, encoding: .utf8)
        } catch {
            FileHandle.standardError.write(Data("\(feedMapping): error: cannot read the mapping file: \((error as NSError).localizedDescription)\n".utf8))
            throw ExitCode.failure
        }
        do {
            return try FeedMappingLoader.load(text: text, name: feedMapping, catalogue: pipeline.catalogue)
        } catch {
            for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
            throw ExitCode.failure
        }
    }
}

extension FeedFormat: ExpressibleByArgument {}
extension FrameEncoding: ExpressibleByArgument {}
extension AlertFormat: ExpressibleByArgument {}
