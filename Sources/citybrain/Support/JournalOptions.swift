import ArgumentParser
import CityBrainCore
import CityBrainIO
import CityBrainWeb
import Logging
import ZeroMQ

/// `--journal-sync` and `--journal-retention`: how an alert journal is kept (`run`, `fanin`).
struct JournalOptions: ParsableArguments {
    @Option(name: .long, help: "When journal writes reach the disk: batch (fsync before each publish, the default) or none (left to the OS).")
    var journalSync: AlertJournal.SyncPolicy = .batch

    @Option(name: .long, help: ArgumentHelp("Delete journal segments older than this, e.g. 7d.", valueName: "duration"))
    var journalRetention: String?

    func validate() throws {
        if let journalRetention, DurationText.milliseconds(journalRetention) == nil {
            throw ValidationError("--journal-retention takes a duration such as 7d or 12h, not '\(journalRetention)'")
        }
    }

    /// Opens (or creates) the journal in `directory` with these settings.
    func open(_ directory: String) throws -> AlertJournal {
        try AlertJournal(directory: directory, policy: journalSync, retention: journalRetention.flatMap(DurationText.milliseconds))
    }
}

extension AlertJournal.SyncPolicy: ExpressibleByArgument {}

/// Runs the start-up of a long-running command: a socket, server or recovery error there is
/// logged as critical and ends the command with exit code 1.
func startingUp<T>(_ logger: Logger, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ZMQError {
        logger.critical("cannot start: \(error)")
    } catch let error as OperationsServerError {
        logger.critical("cannot start: \(error)")
    } catch let error as RecoveryError {
        logger.critical("cannot start: \(error)")
    }
    throw ExitCode.failure
}
