import Foundation

/// Counts distinct values: exact up to 2 048 of them, then a HyperLogLog with 2¹⁴ registers
/// read with Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog
/// sketches", 2017), which needs no bias tables and keeps the standard error at about
/// 1.04/√2¹⁴ = 0.81 % over the whole range, so estimates fall within 2 % in about 99 % of cases.
/// Mergeable.
public struct DistinctCounter: Sendable, Hashable {
    private static let precision = 14
    private static let registerCount = 1 << precision
    private static let sparseLimit = 2_048

    private enum Storage: Sendable, Hashable {
        case exact(Set<UInt64>)
        case registers([UInt8])
    }

    private var storage: Storage = .exact([])

    public init() {}

    /// Bytes held, for memory accounting.
    public var byteCount: Int {
        switch storage {
        case .exact(let hashes): hashes.count * 16
        case .registers: Self.registerCount
        }
    }

    public mutating func add(_ text: String) { add(hash: Self.mix(StableHash.fnv1a(text))) }

    public mutating func add(_ number: Double) { add(hash: Self.mix(number.bitPattern ^ 0x5851_F42D_4C95_7F2D)) }

    private mutating func add(hash: UInt64) {
        switch storage {
        case .exact(var hashes):
            storage = .exact([])  // keep the set uniquely referenced while it changes
            hashes.insert(hash)
            storage = hashes.count > Self.sparseLimit ? .registers(Self.registers(from: hashes)) : .exact(hashes)
        case .registers(var registers):
            storage = .exact([])
            Self.insert(hash, into: &registers)
            storage = .registers(registers)
        }
    }

    public mutating func merge(_ other: DistinctCounter) {
        switch (storage, other.storage) {
        case (.exact(var mine), .exact(let theirs)):
            mine.formUnion(theirs)
            storage = mine.count > Self.sparseLimit ? .registers(Self.registers(from: mine)) : .exact(mine)
        case (.exact(let mine), .registers(var registers)):
            for hash in mine { Self.insert(hash, into: &registers) }
            storage = .registers(registers)
        case (.registers(var registers), .exact(let theirs)):
            for hash in theirs { Self.insert(hash, into: &registers) }
            storage = .registers(registers)
        case (.registers(var registers), .registers(let theirs)):
            for index in registers.indices where theirs[index] > registers[index] { registers[index] = theirs[index] }
            storage = .registers(registers)
        }
    }

    /// The (estimated) number of distinct values.
    public var estimate: Double {
        switch storage {
        case .exact(let hashes):
            return Double(hashes.count)
        case .registers(let registers):
            return Self.improvedEstimate(registers)
        }
    }

    /// Ertl's estimator: a harmonic mean over the register histogram, with σ and τ correcting
    /// the empty and saturated ends.
    private static func improvedEstimate(_ registers: [UInt8]) -> Double {
        let q = 64 - precision
        let m = Double(registerCount)
        var histogram = [Double](repeating: 0, count: q + 2)
        for register in registers { histogram[Int(register)] += 1 }
        var z = m * tau(1 - histogram[q + 1] / m)
        for k in stride(from: q, through: 1, by: -1) { z = 0.5 * (z + histogram[k]) }
        z += m * sigma(histogram[0] / m)
        return (m * m / (2 * Foundation.log(2.0)) / z).rounded()
    }

    private static func sigma(_ x: Double) -> Double {
        guard x < 1 else { return .infinity }
        var x = x, y = 1.0, z = x
        while true {
            x *= x
            let previous = z
            z += x * y
            y += y
            if z == previous { return z }
        }
    }

    private static func tau(_ x: Double) -> Double {
        guard x > 0, x < 1 else { return 0 }
        var x = x, y = 1.0, z = 1 - x
        while true {
            x = x.squareRoot()
            let previous = z
            y *= 0.5
            z -= (1 - x) * (1 - x) * y
            if z == previous { return z / 3 }
        }
    }

    private static func registers(from hashes: Set<UInt64>) -> [UInt8] {
        var registers = [UInt8](repeating: 0, count: registerCount)
        for hash in hashes { insert(hash, into: &registers) }
        return registers
    }

    private static func insert(_ hash: UInt64, into registers: inout [UInt8]) {
        let index = Int(hash >> UInt64(64 - precision))
        let rest = hash << UInt64(precision) | (1 << UInt64(precision - 1))
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    /// SplitMix64's finaliser: spreads FNV's bits evenly, as HyperLogLog needs.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension DistinctCounter: CheckpointCodable {
    public func write(to writer: inout CheckpointWriter) {
        switch storage {
        case .exact(let hashes):
            writer.write(UInt8(0))
            writer.write(hashes)
        case .registers(let registers):
            writer.write(UInt8(1))
            writer.write(registers)
        }
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        switch try reader.read(UInt8.self) {
        case 0: storage = .exact(try reader.read())
        case 1:
            let registers: [UInt8] = try reader.read()
            guard registers.count == Self.registerCount else { throw reader.invalid("a distinct counter has \(registers.count) registers") }
            storage = .registers(registers)
        case let tag: throw reader.invalid("unknown distinct-counter storage \(tag)")
        }
    }
}
