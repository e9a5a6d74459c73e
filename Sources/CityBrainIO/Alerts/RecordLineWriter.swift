import CityBrainCore
import Foundation

/// Writes the selected records as JSON lines to a file or standard output.
public final class RecordLineWriter: EncodedRecordSink, @unchecked Sendable {
    private let handle: FileHandle
    private let ownsHandle: Bool
    private let selection: RecordSelection
    private let format: AlertFormat

    /// Writes to standard output.
    public init(selection: RecordSelection = .alerts, format: AlertFormat = .native) {
        handle = .standardOutput
        ownsHandle = false
        self.selection = selection
        self.format = format
    }

    /// Creates (or truncates) the file at `path`; with `append`, adds to what it holds (a run
    /// resumed from a checkpoint goes on where the interrupted one stopped).
    public init(path: String, selection: RecordSelection = .alerts, append: Bool = false, format: AlertFormat = .native) throws {
        self.format = format
        let exists = FileManager.default.fileExists(atPath: path)
        guard (append && exists) || FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot create \(path)"])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        if append { try handle.seekToEnd() }
        ownsHandle = true
        self.selection = selection
    }

    public func deliver(_ records: [OutputRecord]) {
        deliver(.untimed(records), alertJSON: [])
    }

    public func deliver(_ batch: OutputBatch, alertJSON: [String?]) {
        var text = ""
        for (index, record) in batch.records.enumerated() where selection.includes(record) {
            // Native alerts as the dispatcher encoded them for the journal.
            if format == .native, index < alertJSON.count, let json = alertJSON[index] { text += json } else { text += format.render(record) }
            text += "\n"
        }
        if !text.isEmpty { handle.write(Data(text.utf8)) }
    }

    public func close() {
        if ownsHandle { try? handle.close() }
    }
}
