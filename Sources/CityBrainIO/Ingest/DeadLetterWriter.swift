import CityBrainCore
import Foundation
import Synchronization

/// Writes every rejected frame, with its reason, to a JSON-lines file, so a person can see exactly
/// what was dropped and why:
/// `{"received_at":…,"source":"tcp://…","reason":"malformed_json","detail":"…","topic":"…","payload":"…"}`.
/// Payloads that are not UTF-8 are written as `payload_base64`; payloads are cut at 1 KiB
/// (`truncated: true`).
public final class DeadLetterWriter: Sendable {
    private let handle: Mutex<FileHandle>
    private let clock: any WallClock
    public static let maxPayloadBytes = 1_024

    /// Appends to `path` (created if missing); `clock` stamps `received_at`.
    public init(path: String, clock: any WallClock = SystemClock()) throws {
        self.clock = clock
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "cannot create \(path)"])
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        self.handle = Mutex(handle)
    }

    public func record(_ rejection: FrameRejection, source: String, topic: [UInt8]?, payload: some Collection<UInt8>) {
        var writer = JSONObjectWriter()
        writer.field("received_at", clock.epochMilliseconds)
        writer.field("source", source)
        writer.field("reason", rejection.reason.rawValue)
        writer.field("detail", rejection.detail)
        if let topic { writer.field("topic", String(decoding: topic.prefix(256), as: UTF8.self)) }
        let kept = Array(payload.prefix(Self.maxPayloadBytes))
        if let text = String(validating: kept, as: UTF8.self) {
            writer.field("payload", text)
        } else {
            writer.field("payload_base64", Data(kept).base64EncodedString())
        }
        if payload.count > Self.maxPayloadBytes { writer.field("truncated", json: "true") }
        let line = Data((writer.finish() + "\n").utf8)
        handle.withLock { $0.write(line) }
    }

    public func close() {
        handle.withLock { try? $0.close() }
    }
}
