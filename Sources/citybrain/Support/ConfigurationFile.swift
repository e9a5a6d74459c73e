import ArgumentParser
import CityBrainCore
import Foundation

/// Reading the YAML files a user names (pipelines, mappings, shard plans): what cannot be read or
/// loaded is printed on standard error as `<file>:<line>:<column>: error: …` and ends the
/// command with exit code 1.
enum ConfigurationFile {
    /// The text of `path`; `what` names it in the error (`the pipeline file`).
    static func read(_ path: String, what: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            FileHandle.standardError.write(Data("\(path): error: cannot read \(what): \((error as NSError).localizedDescription)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// What `load` returns, or its diagnostics printed and exit code 1.
    static func load<T>(_ load: () throws(PipelineErrors) -> T) throws -> T {
        do {
            return try load()
        } catch {
            for diagnostic in error.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".utf8)) }
            throw ExitCode.failure
        }
    }
}
