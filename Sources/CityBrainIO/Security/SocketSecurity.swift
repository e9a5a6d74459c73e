import Foundation
import ZeroMQ

/// Told about each secured server socket as it is set up (before it binds), with a name for
/// logs: the ZAP handler watches its handshakes (``ZAPHandler/watch(_:name:)``).
public typealias HandshakeWatcher = @Sendable (_ socket: Socket, _ name: String) throws -> Void

/// How CityBrain secures a socket.
public enum SocketSecurity: Sendable, Equatable {
    /// The NULL mechanism: no authentication, no encryption. Local development only.
    case none
    /// CURVE server (CityBrain's own sockets): peers must present a key the ZAP handler allows.
    case server(secretKey: String)
    /// CURVE client (tools connecting to CityBrain, or feeding it).
    case client(serverKey: String, keyPair: CurveKeyPair)

    /// The ZAP domain CityBrain's server sockets use.
    public static let domain = "citybrain"

    /// Applies the mechanism; call before bind or connect.
    public func apply(to socket: Socket) throws {
        switch self {
        case .none:
            break
        case .server(let secretKey):
            try socket.setZAPDomain(Self.domain)
            try socket.makeCurveServer(secretKey: secretKey)
        case .client(let serverKey, let keyPair):
            try socket.makeCurveClient(serverKey: serverKey, keyPair: keyPair)
        }
    }
}

/// Reading and writing key files (`citybrain keygen`).
public enum KeyFiles {
    /// Writes `<base>.key` (secret, mode 0600: `public <z85>` and `secret <z85>` lines) and
    /// `<base>.pub` (the public key alone, to hand to the other side).
    public static func write(_ pair: CurveKeyPair, base: String) throws {
        let secret = "# CityBrain CURVE key pair: keep this file secret\npublic \(pair.publicKey)\nsecret \(pair.secretKey)\n"
        guard FileManager.default.createFile(atPath: base + ".key", contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]),
              FileManager.default.createFile(atPath: base + ".pub", contents: Data("\(pair.publicKey)\n".utf8)) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "cannot write \(base).key and \(base).pub"])
        }
    }

    /// Reads a `.key` file.
    public static func keyPair(at path: String) throws -> CurveKeyPair {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        guard let secret = values["secret"], secret.utf8.count == 40 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(path) has no 'secret <40-character Z85 key>' line"])
        }
        return CurveKeyPair(publicKey: try CurveKeyPair.publicKey(forSecret: secret), secretKey: secret)
    }

    /// Reads public keys: one per line (a `.pub` file, or an allow-list). A line's first
    /// whitespace-separated token is the key, and anything after it is a note. Z85 keys may
    /// contain `#`, so a line is a comment only if it starts with `#` and is not a 40-character key.
    public static func publicKeys(at path: String) throws -> [String] {
        var keys: [String] = []
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            guard let token = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).first.map(String.init) else { continue }
            if token.utf8.count == 40 {
                keys.append(token)
            } else if !token.hasPrefix("#") {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "\(path): '\(token.prefix(50))' is not a 40-character Z85 public key"])
            }
        }
        return keys
    }
}
