import Foundation
import Synchronization

/// Serialises terminal output: lines to standard output, and an optional one-line status
/// display on standard error that is cleared before a line is printed and drawn again after.
public final class Console: Sendable {
    /// Whether standard output and standard error are terminals.
    public let stdoutIsTerminal: Bool
    public let stderrIsTerminal: Bool
    private let status = Mutex<String?>(nil)

    public init() {
        stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
        stderrIsTerminal = isatty(STDERR_FILENO) == 1
    }

    /// Prints `line` to standard output, keeping the status display intact.
    public func print(_ line: String) {
        status.withLock { status in
            if stderrIsTerminal, status != nil { Self.write("\r\u{1B}[K", to: STDERR_FILENO) }
            Self.write(line + "\n", to: STDOUT_FILENO)
            if stderrIsTerminal, let status { Self.write(status, to: STDERR_FILENO) }
        }
    }

    /// Replaces the status display (terminals only; elsewhere use a log line).
    public func showStatus(_ text: String) {
        guard stderrIsTerminal else { return }
        status.withLock { status in
            status = text
            Self.write("\r\u{1B}[K" + text, to: STDERR_FILENO)
        }
    }

    /// Removes the status display, e.g. before exit.
    public func clearStatus() {
        status.withLock { status in
            if stderrIsTerminal, status != nil { Self.write("\r\u{1B}[K", to: STDERR_FILENO) }
            status = nil
        }
    }

    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
