import ArgumentParser
import CityBrainCore
import CityBrainIO
import Foundation

/// The simulated city's size, pace and randomness, shared by `simulate` and `demo`.
struct SimulationOptions: ParsableArguments {
    @Option(name: .long, help: "Sensors in the simulated city (about 60 % traffic, 15 % parking, 25 % environment).")
    var sensors: Int = 300

    @Option(name: .long, help: ArgumentHelp("Events per wall-clock second.", valueName: "events-per-second"))
    var rate: Double = 3000

    @Option(name: .long, help: "Event time runs this many times faster than the wall clock (60: one simulated minute per second).")
    var speed: Double = 1

    @Option(name: .long, help: "Seed for the city's layout, readings and incident choice.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Shift each reading's event time by up to ± this many milliseconds, so events arrive out of order.")
    var jitterMs: Int64 = 0

    @Option(name: .long, help: ArgumentHelp("Event time of the first reading, Unix ms. Default: now, rounded down to 5 minutes.", valueName: "ms"))
    var start: Int64?

    func validate() throws {
        guard sensors >= 6 else { throw ValidationError("--sensors must be at least 6 (two of each kind)") }
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a positive number of events per second") }
        guard speed > 0, speed.isFinite else { throw ValidationError("--speed must be positive") }
        guard jitterMs >= 0 else { throw ValidationError("--jitter-ms must not be negative") }
    }

    /// Each sensor reports every `sensors / rate` wall seconds, i.e. that times `speed` in event time.
    var reportInterval: Int64 { max(1, Int64((Double(sensors) / rate * speed * 1000).rounded())) }

    func makeSimulator() -> CitySimulator {
        CitySimulator(sensors: sensors, seed: seed, start: start ?? Self.recentFiveMinuteBoundary(), reportInterval: reportInterval, jitter: jitterMs)
    }

    /// Now, rounded down to a multiple of 5 minutes, so simulated incidents line up with windows.
    static func recentFiveMinuteBoundary() -> Int64 {
        let now = SystemClock().epochMilliseconds
        return now - now % 300_000
    }
}
