import CityBrainCore

/// Prints alerts as readable (coloured on a terminal) lines through a ``Console``.
public final class AlertConsoleSink: OutputSink {
    private let console: Console
    private let formatter: AlertLineFormatter

    public init(console: Console) {
        self.console = console
        self.formatter = AlertLineFormatter(colour: console.stdoutIsTerminal)
    }

    public func deliver(_ records: [OutputRecord]) {
        for case .alert(let alert) in records { console.print(formatter.format(alert)) }
    }

    public func close() {}
}
