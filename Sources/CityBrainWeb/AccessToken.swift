import Foundation

/// The secret an operator presents (`Authorization: Bearer <token>`) to change an alert. Compared
/// in constant time, so response timing tells nothing about how much of a guess was right.
public struct AccessToken: Sendable {
    private let secret: [UInt8]

    /// - Throws: when the token is shorter than 16 bytes (too easy to guess).
    public init(_ token: String) throws(AccessTokenError) {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count >= 16 else { throw AccessTokenError("the access token must be at least 16 characters") }
        secret = Array(trimmed.utf8)
    }

    /// Reads the token from a file (its first line); the file should be readable by the service only.
    public static func load(file path: String) throws(AccessTokenError) -> AccessToken {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw AccessTokenError("cannot read the access token file \(path)")
        }
        return try AccessToken(String(text.split(separator: "\n", omittingEmptySubsequences: true).first ?? ""))
    }

    /// Whether `presented` is the token: every byte is compared whatever the first difference.
    public func matches(_ presented: some StringProtocol) -> Bool {
        let bytes = Array(presented.utf8)
        // The length difference is kept whole: folded into a byte, 256 extra bytes would vanish.
        var difference = UInt(bitPattern: bytes.count ^ secret.count)
        for index in secret.indices {
            difference |= UInt(secret[index] ^ (index < bytes.count ? bytes[index] : 0))
        }
        return difference == 0
    }

    /// Whether an `Authorization` header value carries the token.
    public func authorizes(header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        return matches(header.dropFirst("Bearer ".count))
    }
}

public struct AccessTokenError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
