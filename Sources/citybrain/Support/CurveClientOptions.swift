import ArgumentParser
import CityBrainIO
import ZeroMQ

/// `--curve-server-key` and `--curve-key` for tools that connect to (or feed) a secured pipeline.
struct CurveClientOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The pipeline's public key file (.pub): use CURVE.", valueName: "file"))
    var curveServerKey: String?

    @Option(name: .long, help: ArgumentHelp("This client's key pair file (.key), on the pipeline's allow-list.", valueName: "file"))
    var curveKey: String?

    func validate() throws {
        if (curveServerKey == nil) != (curveKey == nil) { throw ValidationError("give both --curve-server-key and --curve-key, or neither") }
    }

    func security() throws -> SocketSecurity {
        guard let curveServerKey, let curveKey else { return .none }
        guard let serverKey = try KeyFiles.publicKeys(at: curveServerKey).first else {
            throw ValidationError("\(curveServerKey) holds no public key")
        }
        return .client(serverKey: serverKey, keyPair: try KeyFiles.keyPair(at: curveKey))
    }
}
