import ArgumentParser
import Logging

/// Options every long-running subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    /// Bootstraps logging to standard error (once per process) and returns a logger.
    func makeLogger(_ label: String) -> Logger {
        LoggingSetup.bootstrap(level: logLevel)
        return Logger(label: label)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
