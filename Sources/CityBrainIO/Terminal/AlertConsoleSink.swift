import CityBrainCore

/// Prints alerts as readable (coloured on a terminal) lines through a ``Console``.
public final class AlertConsoleSink: AlertSink {
    private let console: Console
    private let formatter: AlertLineFormatter

    public init(console: Console) {
        self.console = console
        self.formatter = AlertLineFormatter(colour: console.stdoutIsTerminal)
    }

    public func deliver(_ alerts: [Alert]) {
        for alert in alerts { console.print(formatter.format(alert)) }
    }

    public func close() {}
}
