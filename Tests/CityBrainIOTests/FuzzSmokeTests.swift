import CityBrainIO
import Testing

/// A short run of the fuzz driver in every test run; `citybrain fuzz --inputs 10000000` is the
/// long one (docs/operations.md).
@Suite("Fuzz smoke")
struct FuzzSmokeTests {
    @Test("the decoder survives 50 000 mutated frames with its invariants intact")
    func decoder() {
        let report = FuzzDriver.run(.decoder, seed: 42, count: 50_000)
        #expect(report.failures.isEmpty, "\(report.failures.prefix(3))")
        #expect(report.accepted > 0)
        #expect(report.rejected.count >= 5)  // the mutations reach many different rejection reasons
    }

    @Test("the SenML (JSON, CBOR) and NGSI-LD decoders survive 30 000 mutated frames with their invariants intact")
    func formats() {
        let report = FuzzDriver.run(.formats, seed: 42, count: 30_000)
        #expect(report.failures.isEmpty, "\(report.failures.prefix(3))")
        #expect(report.accepted > 0)
        #expect(report.rejected["malformed_cbor", default: 0] > 0)
        #expect(report.rejected.count >= 5)
    }

    @Test("the pipeline loader survives 300 mutated files, always with positioned errors")
    func pipeline() {
        let report = FuzzDriver.run(.pipeline, seed: 42, count: 300)
        #expect(report.failures.isEmpty, "\(report.failures.prefix(3))")
        #expect(report.rejected["invalid", default: 0] > 0)
    }

    @Test("an input is reproducible from its seed and index")
    func reproducible() {
        #expect(FuzzDriver.input(.decoder, seed: 9, index: 12_345) == FuzzDriver.input(.decoder, seed: 9, index: 12_345))
        #expect(FuzzDriver.input(.decoder, seed: 9, index: 1) != FuzzDriver.input(.decoder, seed: 9, index: 2))
    }
}
