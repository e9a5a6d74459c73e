import ArgumentParser
import CityBrainIO
import Foundation
import ZeroMQ

/// `citybrain keygen`: make a CURVE key pair.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a CURVE key pair: BASE.key (secret, mode 0600) and BASE.pub (public, to hand out).",
        discussion: """
        The pipeline gets the server's .key (run --curve-secret-key) and an allow-list of the \
        publishers' and consumers' .pub lines (run --curve-allow); each client gets its own .key \
        and the server's .pub (--curve-key, --curve-server-key).
        """
    )

    @Option(name: .long, help: ArgumentHelp("Path and name of the files to write, without extension.", valueName: "base"))
    var out: String

    @OptionGroup var files: OverwriteOptions

    func validate() throws {
        try files.check([out + ".key", out + ".pub"])
    }

    func run() throws {
        let pair = try CurveKeyPair.generate()
        try KeyFiles.write(pair, base: out)
        print("wrote \(out).key (secret) and \(out).pub (public key \(pair.publicKey))")
    }
}
