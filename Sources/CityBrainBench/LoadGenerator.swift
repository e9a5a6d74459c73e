/// Writes the benchmark's feed frames: the scenario's sensors reporting round-robin in event-time
/// order, a share of them misbehaving for a while (congested segments, full garages, polluted
/// air), so the pipeline's rules raise and resolve alerts all through a run.
///
/// Frame `n` is a pure function of the scenario and `n`, so any two runs send the same bytes.
/// Sensor `n % sensors` reports in round `n / sensors`, at event time
/// `start + round × reportInterval + (sensor × reportInterval) / sensors`: time never goes back,
/// so no event is late. Writing costs no allocation: frames go into a caller's buffer.
public struct LoadGenerator: Sendable {
    public let scenario: BenchScenario
    /// The longest frame written, in bytes.
    public static let maxFrameBytes = 256
    private let sensors: Int
    private let interval: Int64
    private let threshold: UInt64

    public init(scenario: BenchScenario) {
        self.scenario = scenario
        self.sensors = scenario.sensors
        self.interval = scenario.reportInterval
        self.threshold = UInt64(min(1, scenario.anomalousShare) * Double(UInt64.max >> 11)) << 11
    }

    public enum SensorKind: Sendable { case traffic, parking, environment }

    /// The kind of sensor number `sensor`.
    public func kind(of sensor: Int) -> SensorKind {
        let bucket = sensor % 100
        if bucket < scenario.mix.traffic { return .traffic }
        if bucket < scenario.mix.traffic + scenario.mix.parking { return .parking }
        return .environment
    }

    /// Event time of frame `index`.
    public func eventTime(of index: Int) -> Int64 {
        let round = Int64(index / sensors)
        let sensor = Int64(index % sensors)
        return scenario.start + round * interval + sensor * interval / Int64(sensors)
    }

    /// Whether `sensor` misbehaves at event time `time`.
    public func isAnomalous(sensor: Int, at time: Int64) -> Bool {
        let period = (time - scenario.start) / scenario.anomalyPeriod
        return Self.mix(scenario.seed &+ UInt64(sensor) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(period) &* 0xD1B5_4A32_D192_ED03) < threshold
    }

    /// Writes the topic frame of frame `index` (`<kind>.d<district>.<sensor>`, see the wire
    /// format) at `buffer` (at least ``maxFrameBytes`` long); returns its length.
    public func write(topicOf index: Int, to buffer: UnsafeMutablePointer<UInt8>) -> Int {
        let sensor = index % sensors
        var out = FrameWriter(buffer)
        switch kind(of: sensor) {
        case .traffic: out.ascii("traffic.d")
        case .parking: out.ascii("parking.d")
        case .environment: out.ascii("environment.d")
        }
        out.padded(sensor % scenario.districts, digits: 4)
        switch kind(of: sensor) {
        case .traffic: out.ascii(".seg-")
        case .parking: out.ascii(".park-")
        case .environment: out.ascii(".aq-")
        }
        out.padded(sensor, digits: 7)
        return out.count
    }

    /// Writes frame `index` at `buffer` (at least ``maxFrameBytes`` long); returns its length.
    /// With `sequence`, the frame carries its sensor's message counter (`seq`: the how-many-th
    /// frame of that sensor it is), so a receiver can count what was lost on the way.
    public func write(frame index: Int, to buffer: UnsafeMutablePointer<UInt8>, sequence: Bool = false) -> Int {
        let sensor = index % sensors
        let time = eventTime(of: index)
        let anomalous = isAnomalous(sensor: sensor, at: time)
        var noise = Self.mix(UInt64(index) &+ scenario.seed &* 0xA24B_AED4_963E_E407)
        func uniform() -> Double {
            noise = Self.mix(noise)
            return Double(noise >> 11) * 0x1p-53
        }
        var out = FrameWriter(buffer)
        switch kind(of: sensor) {
        case .traffic:
            out.ascii(#"{"kind":"traffic","sensor":"seg-"#)
            out.padded(sensor, digits: 7)
            out.district(sensor % scenario.districts, time: time)
            out.ascii(#","speed_kmh":"#)
            out.fixed(anomalous ? 8 + 8 * uniform() : 35 + 25 * uniform(), decimals: 1)
            out.ascii(#","flow_vph":"#)
            out.integer(Int64(600 + 1000 * uniform()))
            out.ascii(#","occupancy":"#)
            out.fixed(anomalous ? 0.40 + 0.2 * uniform() : 0.10 + 0.2 * uniform(), decimals: 2)
        case .parking:
            let capacity = 200 + sensor % 800
            let share = anomalous ? 0.97 + 0.03 * uniform() : 0.3 + 0.5 * uniform()
            out.ascii(#"{"kind":"parking","sensor":"park-"#)
            out.padded(sensor, digits: 7)
            out.district(sensor % scenario.districts, time: time)
            out.ascii(#","occupied":"#)
            out.integer(Int64(Double(capacity) * share))
            out.ascii(#","capacity":"#)
            out.integer(Int64(capacity))
        case .environment:
            out.ascii(#"{"kind":"environment","sensor":"aq-"#)
            out.padded(sensor, digits: 7)
            out.district(sensor % scenario.districts, time: time)
            out.ascii(#","pm25":"#)
            out.fixed(anomalous ? 90 + 50 * uniform() : 5 + 25 * uniform(), decimals: 1)
            out.ascii(#","no2":"#)
            out.fixed(anomalous ? 180 + 40 * uniform() : 20 + 10 * uniform(), decimals: 1)
            out.ascii(#","noise_db":"#)
            out.fixed(45 + 25 * uniform(), decimals: 1)
        }
        if sequence {
            out.ascii(#","seq":"#)
            out.integer(Int64(index / sensors))
        }
        out.byte(UInt8(ascii: "}"))
        return out.count
    }

    /// Frame `index` as bytes (tests and tools; the sender uses ``write(frame:to:)``).
    public func frame(_ index: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.maxFrameBytes) { buffer, count in
            count = write(frame: index, to: buffer.baseAddress!)
        }
    }

    /// SplitMix64's finaliser: a cheap, well-spread hash.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Appends ASCII to raw memory; no bounds checks beyond the frame's known maximum length.
private struct FrameWriter {
    let base: UnsafeMutablePointer<UInt8>
    var count = 0

    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

    mutating func byte(_ value: UInt8) {
        base[count] = value
        count += 1
    }

    mutating func ascii(_ text: StaticString) {
        text.withUTF8Buffer { bytes in
            (base + count).update(from: bytes.baseAddress!, count: bytes.count)
            count += bytes.count
        }
    }

    mutating func integer(_ value: Int64) {
        var value = value
        if value < 0 {
            byte(UInt8(ascii: "-"))
            value = -value
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var length = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            repeat {
                scratch[length] = UInt8(truncatingIfNeeded: value % 10) + 48
                value /= 10
                length += 1
            } while value > 0
            for index in stride(from: length - 1, through: 0, by: -1) { byte(scratch[index]) }
        }
    }

    mutating func padded(_ value: Int, digits: Int) {
        var divisor = 1
        for _ in 1..<digits { divisor *= 10 }
        var rest = value % (divisor * 10)
        while divisor > 0 {
            byte(UInt8(rest / divisor) + 48)
            rest %= divisor
            divisor /= 10
        }
    }

    /// A non-negative number with exactly `decimals` digits after the point.
    mutating func fixed(_ value: Double, decimals: Int) {
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((value * Double(scale)).rounded())
        integer(scaled / scale)
        byte(UInt8(ascii: "."))
        var fraction = scaled % scale
        var divisor = scale / 10
        while divisor > 0 {
            byte(UInt8(fraction / divisor) + 48)
            fraction %= divisor
            divisor /= 10
        }
    }

    mutating func district(_ district: Int, time: Int64) {
        ascii(#"","district":"d"#)
        padded(district, digits: 4)
        ascii(#"","ts":"#)
        integer(time)
    }
}
