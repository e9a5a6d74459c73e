import CityBrainCore
import Foundation

/// Writes each alert as one JSON line to a file or standard output.
public final class AlertLineWriter: AlertSink, @unchecked Sendable {
    private let handle: FileHandle
    private let ownsHandle: Bool

    /// Writes to standard output.
    public init() {
        handle = .standardOutput
        ownsHandle = false
    }

    /// Creates (or truncates) the file at `path`.
    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        ownsHandle = true
    }

    public func deliver(_ alerts: [Alert]) {
        var text = ""
        for alert in alerts {
            text += alert.json
            text += "\n"
        }
        handle.write(Data(text.utf8))
    }

    public func close() {
        if ownsHandle { try? handle.close() }
    }
}
