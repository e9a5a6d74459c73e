import ArgumentParser
import CityBrainIO
import ZeroMQ

/// `--curve-secret-key` and `--curve-allow` for commands that bind sockets others connect to
/// (`run`, `fanin`): with them, those sockets admit only the allowed public keys.
struct CurveServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("CURVE: this process's key pair (citybrain keygen); its bound sockets then admit only --curve-allow keys.", valueName: "file"))
    var curveSecretKey: String?

    @Option(name: .long, help: ArgumentHelp("CURVE: public keys of the publishers and consumers allowed in, one per line.", valueName: "file"))
    var curveAllow: String?

    func validate() throws {
        if (curveSecretKey == nil) != (curveAllow == nil) { throw ValidationError("CURVE needs both --curve-secret-key and --curve-allow") }
    }

    var isEnabled: Bool { curveSecretKey != nil }

    /// The secret key and the allowed public keys, read from their files; `nil` without CURVE.
    func keys() throws -> (secretKey: String, allowedClients: [String])? {
        guard let curveSecretKey, let curveAllow else { return nil }
        return (try KeyFiles.keyPair(at: curveSecretKey).secretKey, try KeyFiles.publicKeys(at: curveAllow))
    }
}
