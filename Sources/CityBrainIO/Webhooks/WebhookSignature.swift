import Crypto
import Foundation

/// Signs webhook bodies so a receiver can tell CityBrain's deliveries from forgeries:
/// `X-CityBrain-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, with the timestamp
/// (Unix seconds) in `X-CityBrain-Timestamp` so an old delivery cannot be replayed later.
public struct WebhookSignature: Sendable {
    private let secret: [UInt8]

    /// - Parameter secret: the shared secret (the bytes of `--webhook-secret`'s file, trimmed).
    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// The header value for `body` sent at `timestamp`.
    public func sign(_ body: [UInt8], timestamp: Int64) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "sha256=" + code.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }
}
