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
}

/// A `citybrain` process in flight; output is collected in the background.
final class RunningCommand: @unchecked Sendable {
    let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()

    init(arguments: [String]) throws {
        process.executableURL = CommandRunner.executable
        process.arguments = arguments
        process.currentDirectoryURL = CommandRunner.repositoryRoot
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
        // Weak: a handler already running when `finish` clears it may outlive this object.
        stdoutPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            lock.withLock { stdoutData.append(data) }
        }
        stderrPipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            lock.withLock { stderrData.append(data) }
        }
        try process.run()
    }

    var stderr: String { lock.withLock { String(decoding: stderrData, as: UTF8.self) } }
    /// What the command printed on standard output so far.
    var stdout: String { lock.withLock { String(decoding: stdoutData, as: UTF8.self) } }

    /// Sends SIGTERM, as a service manager would.
    func terminate() { process.terminate() }

    /// Waits for exit (SIGKILL after `timeout` seconds) and returns everything it printed.
    func finish(timeout: Double) -> CommandRunner.Result {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        let restOut = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        let restErr = stderrPipe.fileHandleForReading.readDataToEndOfFile()
        return lock.withLock {
            stdoutData.append(restOut)
            stderrData.append(restErr)
            return CommandRunner.Result(
                status: process.terminationStatus,
                stdout: String(decoding: stdoutData, as: UTF8.self),
                stderr: String(decoding: stderrData, as: UTF8.self)
            )
        }
    }
}
