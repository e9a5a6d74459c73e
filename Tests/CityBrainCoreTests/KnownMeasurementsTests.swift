@testable import CityBrainCore
import Testing

@Suite("The scanner's catalogue of built-in measurements")
struct KnownMeasurementsTests {
    @Test("holds every built-in measurement with its range for each kind, however long its name")
    func coversTheLimits() throws {
        let catalogue = KnownMeasurements.builtIn
        for (kindIndex, kind) in EventKind.builtIn.enumerated() {
            for name in MeasurementLimits.knownFields(of: kind) {
                let index = try #require(catalogue.index(of: name), "\(name) of \(kind) is missing")
                #expect(catalogue.entries[index].ranges[kindIndex] == MeasurementLimits.range(of: name, for: kind))
                // Matched from its bytes too, when it packs.
                if let packed = PackedName(name) { #expect(catalogue.index(of: packed) == index) }
            }
        }
        // Longer names do not pack; the loop above finds every name as text all the same.
        #expect(PackedName("seventeen_bytes_x") == nil)
    }

    @Test("the fixed fields' names written out as packed bytes are those names")
    func fixedFieldNames() {
        let packed = JSONEventScanner.Field.packed
        #expect(packed.ts == PackedName("ts"))
        #expect(packed.seq == PackedName("seq"))
        #expect(packed.kind == PackedName("kind"))
        #expect(packed.sensor == PackedName("sensor"))
        #expect(packed.district == PackedName("district"))
    }
}
