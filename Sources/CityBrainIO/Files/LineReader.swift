import Foundation

/// Reads a file or standard input line by line in large chunks, handing each line's bytes to a
/// closure without building strings. Lines end with `\n`; a trailing `\r` is dropped.
public struct LineReader {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    /// What errors and rejections call the input, e.g. `feed.jsonl` or `<stdin>`.
    public let name: String

    /// Opens `path`; `-` means standard input.
    public init(path: String) throws {
        if path == "-" {
            descriptor = STDIN_FILENO
            ownsDescriptor = false
            name = "<stdin>"
        } else {
            descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else {
                throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot open \(path): \(String(cString: strerror(errno)))"])
            }
            ownsDescriptor = true
            name = path
        }
    }

    /// Calls `body` with each line's bytes and its 1-based number.
    public func forEachLine(_ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        try forEachBlock { block in
            try block.bytes.withUnsafeBytes { bytes in
                for (offset, range) in block.lines.enumerated() {
                    try body(UnsafeRawBufferPointer(rebasing: bytes[range]), block.firstNumber + offset)
                }
            }
        }
    }

    /// Calls `body` with the input cut into blocks of whole lines (what one read brought, up to a
    /// megabyte), so that blocks can be decoded on other threads.
    public func forEachBlock(_ body: (LineBlock) throws -> Void) throws {
        defer { if ownsDescriptor { close(descriptor) } }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        var nextNumber = 1
        while true {
            if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "reading \(name): \(String(cString: strerror(errno)))"])
            }
            let endOfInput = count == 0
            filled += count
            var lines: [Range<Int>] = []
            var start = 0
            buffer.withUnsafeBytes { bytes in
                while start < filled, let found = memchr(bytes.baseAddress! + start, 0x0A, filled - start) {
                    let newline = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
                    var end = newline
                    if end > start, bytes[end - 1] == 0x0D { end -= 1 }
                    lines.append(start..<end)
                    start = newline + 1
                }
                if endOfInput, start < filled {
                    lines.append(start..<filled)
                    start = filled
                }
            }
            if !lines.isEmpty {
                let block = LineBlock(bytes: Array(buffer[0..<start]), lines: lines, firstNumber: nextNumber)
                nextNumber += lines.count
                try body(block)
            }
            if start > 0 {
                buffer.withUnsafeMutableBytes { bytes in
                    bytes.baseAddress!.copyMemory(from: bytes.baseAddress! + start, byteCount: filled - start)
                }
                filled -= start
            }
            if endOfInput { return }
        }
    }
}

/// Whole lines copied out of an input, and where each lies.
public struct LineBlock: Sendable {
    /// The lines' bytes, separators included.
    public var bytes: [UInt8]
    /// Each line's range in ``bytes``, without its `\n` (or a trailing `\r`).
    public var lines: [Range<Int>]
    /// The 1-based number of the first line.
    public var firstNumber: Int
}
