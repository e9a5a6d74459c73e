import Foundation

/// Runs the built `citybrain` executable as a separate process, as a user or script would.
struct CommandRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `citybrain` binary next to the test bundle (SwiftPM builds it, this target depends on it).
    static let executable: URL = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("citybrain")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/citybrain")
    }()

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs to completion (killed after `timeout` seconds) and returns its exit status and output.
    static func run(_ arguments: [String], timeout: Double = 60) throws -> Result {
        let process = try start(arguments)
        return process.finish(timeout: timeout)
    }

    /// Starts the process and returns a handle to signal and collect it.
    static func start(_ arguments: [String]) throws -> RunningCommand {
        try RunningCommand(arguments: arguments)
    }

    /// Runs another program (a validator, kubectl) to completion, from the repository's root.
    static func runTool(_ path: String, _ arguments: [String], timeout: Double = 120) throws -> Result {
        try RunningCommand(executable: URL(fileURLWithPath: path), arguments: arguments).finish(timeout: timeout)
    }

    /// The path of `program` on `PATH`, if it is installed.
    static func which(_ program: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A `citybrain` process in flight; output is collected in the background.
///
/// Each pipe is read by a thread of its own with blocking reads until end of file, not with
/// `readabilityHandler`: on Linux that handler is a dispatch source, and a source still
/// registered when the pipe's descriptor is closed (and the number reused) crashed the whole
/// test process in libdispatch's event loop, now and then, under load.
final class RunningCommand: @unchecked Sendable {
    let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let stdoutData = CollectedOutput()
    private let stderrData = CollectedOutput()
    private let readers = DispatchGroup()

    /// Bytes read so far from one pipe.
    private final class CollectedOutput: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func append(_ more: Data) { lock.withLock { data.append(more) } }
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }

    init(executable: URL = CommandRunner.executable, arguments: [String]) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = CommandRunner.repositoryRoot
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        read(stdoutPipe.fileHandleForReading, into: stdoutData)
        read(stderrPipe.fileHandleForReading, into: stderrData)
    }

    private func read(_ handle: FileHandle, into output: CollectedOutput) {
        readers.enter()
        let readers = readers
        Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                output.append(data)
            }
            readers.leave()
        }.start()
    }

    var stderr: String { stderrData.text }
    /// What the command printed on standard output so far.
    var stdout: String { stdoutData.text }

    /// Sends SIGTERM, as a service manager would.
    func terminate() { process.terminate() }

    /// Waits for exit (SIGKILL after `timeout` seconds) and returns everything it printed.
    func finish(timeout: Double) -> CommandRunner.Result {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        // Both pipes end when the process has exited (unless something it started holds them).
        _ = readers.wait(timeout: .now() + 10)
        return CommandRunner.Result(status: process.terminationStatus, stdout: stdoutData.text, stderr: stderrData.text)
    }
}
