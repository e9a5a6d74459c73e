import Foundation

/// A fresh, empty directory under the system's temporary one, its name starting with
/// `citybrain-<label>-`. Pair it with `defer { removeTemporaryDirectory(directory) }`.
public func makeTemporaryDirectory(_ label: String) throws -> String {
    let path = NSTemporaryDirectory() + "citybrain-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Removes a directory made by ``makeTemporaryDirectory(_:)`` and all it holds.
public func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}
