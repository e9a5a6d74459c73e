import CityBrainCore
import Testing

@Suite("Output batch")
struct OutputBatchTests {
    static func alert(_ key: String) -> OutputRecord {
        .alert(Alert(id: key, rule: "r", state: .raised, severity: .info, department: "d", key: key, sensor: key, district: nil,
                     kind: .traffic, windowStart: 0, windowEnd: 1, value: nil, threshold: nil, values: [], message: "", ts: 1))
    }

    @Test("records stay paired with their triggers through appends, parts and selections; untimed records have none")
    func pairing() {
        var batch = OutputBatch()
        batch.append(Self.alert("a"), trigger: 3)
        batch.append(contentsOf: [Self.alert("b"), Self.alert("c")], trigger: 9)
        #expect(batch.isTimed && batch.count == 3)
        #expect(batch.timedRecords.map { "\($0.record.alert!.key)@\($0.trigger!)" } == ["a@3", "b@9", "c@9"])
        #expect(batch[1..<3] == OutputBatch(records: [Self.alert("b"), Self.alert("c")], triggers: [9, 9]))
        #expect(batch.selecting([0, 2]) == OutputBatch(records: [Self.alert("a"), Self.alert("c")], triggers: [3, 9]))
        var renamed = batch
        renamed.updateRecords { record in record = Self.alert(record.alert!.key.uppercased()) }
        #expect(renamed == OutputBatch(records: [Self.alert("A"), Self.alert("B"), Self.alert("C")], triggers: [3, 9, 9]))

        let byHand = OutputBatch.untimed([Self.alert("x"), Self.alert("y")])
        #expect(!byHand.isTimed && byHand.trigger(at: 1) == nil)
        #expect(byHand.selecting([1]).records == [Self.alert("y")] && byHand[0..<1].triggers.isEmpty)
        #expect(byHand.alerts.map(\.key) == ["x", "y"])
    }
}
