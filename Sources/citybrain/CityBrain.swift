import ArgumentParser

/// `citybrain`: streaming event processing for a city's operations centre.
@main
struct CityBrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "citybrain",
        abstract: "Streaming event processor for a city's operations centre: sensor feeds in over ZeroMQ, windowed anomaly rules, routed alerts out.",
        discussion: """
        Exit codes: 0 success; 1 a runtime failure (a socket, file or pipeline error, printed on \
        standard error); 64 a usage error.
        """,
        version: "0.1.0",
        subcommands: [DemoCommand.self, RunCommand.self, SimulateCommand.self, TailCommand.self, ValidateCommand.self, RecordCommand.self, ReplayCommand.self, ImportCommand.self, EvaluateCommand.self, FuzzCommand.self, KeygenCommand.self, BenchCommand.self, CheckpointCommand.self, ShardPlanCommand.self, FanInCommand.self]
    )
}
