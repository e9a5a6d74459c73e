import Foundation

/// A fresh, empty directory under the system's temporary one, its name starting with
/// `citybrain-<label>-`. Pair it with `defer { removeTemporaryDirectory(directory) }`.
public func makeTemporaryDirectory(_ label: String) throws -> String {
    let path = temporaryPath(label)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A path under the system's temporary directory that nothing uses yet,
/// `citybrain-<label>-<uuid><suffix>`: for a file, a directory or an `ipc://` endpoint that the
/// code under test creates itself. Pair it with `defer { removeTemporaryItem(path) }`.
public func temporaryPath(_ label: String, suffix: String = "") -> String {
    NSTemporaryDirectory() + "citybrain-\(label)-\(UUID().uuidString)\(suffix)"
}

/// Removes a directory made by ``makeTemporaryDirectory(_:)`` and all it holds.
public func removeTemporaryDirectory(_ path: String) {
    removeTemporaryItem(path)
}

/// Removes a file or directory (with all it holds) at a ``temporaryPath(_:suffix:)``; nothing
/// if it is not there.
public func removeTemporaryItem(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}
