import ArgumentParser
import Foundation

/// `--overwrite` for commands that write whole files (a generated feed, an imported data set,
/// key files): without it an existing file is never replaced, so a repeated command cannot
/// destroy what an earlier one wrote. Commands that add to a file (`run --output`,
/// `--dead-letter`, the journal, recordings) append instead and need no flag.
struct OverwriteOptions: ParsableArguments {
    @Flag(name: .long, help: "Replace output files that exist already (without it, the command refuses and writes nothing).")
    var overwrite = false

    /// Throws a usage error naming the first of `paths` that exists, unless `--overwrite`.
    func check(_ paths: [String?]) throws {
        guard !overwrite else { return }
        for case let path? in paths where FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path) exists already; pass --overwrite to replace it (nothing was written)")
        }
    }
}
