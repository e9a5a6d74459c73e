import ArgumentParser
import CityBrainCore
import CityBrainIO

/// `run --checkpoint …`: crash recovery (docs/operations.md, "Crash recovery").
struct DurabilityOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Keep checkpoints of the engine's state here and resume from the newest at start: no alert is lost or published twice across a crash (with --journal).", valueName: "dir"))
    var checkpoint: String?

    @Option(name: .long, help: ArgumentHelp("How often to checkpoint: a duration of wall-clock time (default 30s), or of event time with --checkpoint-clock event. A checkpoint that falls due waits for the next close of every key's windows (at most one window slide).", valueName: "duration"))
    var checkpointEvery: String = "30s"

    @Option(name: .long, help: "What --checkpoint-every counts: wall (the machine's clock) or event (the events' own time: the same checkpoints on every replay).")
    var checkpointClock: String = "wall"

    @Option(name: .long, help: "Checkpoints kept; older ones are deleted (a corrupt newest falls back to the one before).")
    var checkpointsKept: Int = 3

    @Option(name: .long, help: ArgumentHelp("Live runs: log every accepted event here (recording format) before the engine sees it; after a crash the engine re-reads it from its checkpoint (needs --checkpoint).", valueName: "dir"))
    var inputLog: String?

    func validate() throws {
        if inputLog != nil, checkpoint == nil { throw ValidationError("--input-log is re-read from a checkpoint: add --checkpoint DIR") }
        if checkpoint != nil { _ = try interval() }
        guard checkpointsKept >= 1 else { throw ValidationError("--checkpoints-kept must be at least 1") }
    }

    /// `--checkpoint-every` on `--checkpoint-clock`.
    func interval() throws -> Checkpointer.Interval {
        guard let every = DurationText.milliseconds(checkpointEvery), every > 0 else {
            throw ValidationError("--checkpoint-every takes a duration such as 30s or 10m, not '\(checkpointEvery)'")
        }
        switch checkpointClock {
        case "wall": return .wall(every)
        case "event": return .event(every)
        default: throw ValidationError("--checkpoint-clock takes wall or event, not '\(checkpointClock)'")
        }
    }

    /// The checkpoint store, interval and input log, with --checkpoint.
    func settings() throws -> DurabilitySettings? {
        guard let checkpoint else { return nil }
        return DurabilitySettings(store: try CheckpointStore(directory: checkpoint, keep: checkpointsKept), interval: try interval(),
                                  inputLog: try inputLog.map { try InputLog(directory: $0) })
    }
}
