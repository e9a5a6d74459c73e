import Logging
import Synchronization

/// The executable alone bootstraps the logging system; libraries only take a `Logger`.
enum LoggingSetup {
    private static let done = Mutex(false)

    static func bootstrap(level: Logger.Level) {
        done.withLock { done in
            guard !done else { return }
            done = true
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
