import CityBrainCore
import CityBrainHandling
import Testing

@Suite("Alert board: handling, escalation, on-time rate")
struct AlertBoardTests {
    static let t0: Int64 = 1_732_269_600_000
    static let minute: Int64 = 60_000

    static func alert(_ id: String, _ state: AlertState, severity: Severity = .warning, department: String = "traffic-police",
                      district: String? = "d01") -> Alert {
        Alert(id: id, rule: "r", state: state, severity: severity, department: department, key: id, sensor: id, district: district,
              kind: .traffic, windowStart: 0, windowEnd: 60_000, value: 1, threshold: 2, values: [], message: "m \(id)", ts: 60_000)
    }

    @Test("acknowledge, assign and resolve: each returns the record to publish, with who and when")
    func actions() throws {
        var board = AlertBoard(policy: HandlingPolicy())
        board.apply(Self.alert("a", .raised), at: Self.t0)
        let ack = try board.perform(.acknowledge, on: "a", by: "ana", note: "on it", at: Self.t0 + 1_000)
        #expect(ack.state == .acknowledged)
        #expect(ack.handling == Alert.Handling(by: "ana", note: "on it", at: Self.t0 + 1_000))
        #expect(ack.json.hasSuffix(#""handling":{"by":"ana","note":"on it","at":1732269601000}}"#))
        #expect(throws: BoardError.alreadyAcknowledged("a", by: "ana")) { try board.perform(.acknowledge, on: "a", by: "bo", at: Self.t0 + 2_000) }
        let assigned = try board.perform(.assign(to: "unit-7"), on: "a", by: "ana", at: Self.t0 + 3_000)
        #expect(assigned.state == .assigned)
        #expect(assigned.handling?.assignee == "unit-7")
        #expect(board["a"]?.status == .acknowledged)
        let resolved = try board.perform(.resolve, on: "a", by: "ana", at: Self.t0 + 4_000)
        #expect(resolved.state == .resolved)
        #expect(board["a"]?.status == .resolved)
        #expect(throws: BoardError.alreadyResolved("a")) { try board.perform(.assign(to: "x"), on: "a", by: "bo", at: Self.t0 + 5_000) }
        #expect(throws: BoardError.unknownAlert("zz")) { try board.perform(.acknowledge, on: "zz", by: "bo", at: Self.t0) }
        // The rule's own resolve afterwards changes nothing.
        #expect(board.apply(Self.alert("a", .resolved), at: Self.t0 + 6_000) == nil)
        #expect(board["a"]?.resolved?.by == "ana")
    }

    @Test("an alert not acknowledged within its severity's limit is escalated once; acknowledged ones never")
    func escalation() throws {
        var board = AlertBoard(policy: HandlingPolicy(acknowledgeWithin: [.critical: 5 * Self.minute, .warning: 15 * Self.minute]))
        board.apply(Self.alert("crit", .raised, severity: .critical), at: Self.t0)
        board.apply(Self.alert("warn", .raised, severity: .warning), at: Self.t0)
        board.apply(Self.alert("acked", .raised, severity: .critical), at: Self.t0)
        _ = try board.perform(.acknowledge, on: "acked", by: "ana", at: Self.t0 + 4 * Self.minute)
        #expect(board.escalations(at: Self.t0 + 5 * Self.minute).isEmpty)  // exactly at the limit is still on time
        let first = board.escalations(at: Self.t0 + 5 * Self.minute + 1)
        #expect(first.map(\.id) == ["crit"])
        #expect(first[0].state == .escalated)
        #expect(first[0].handling == Alert.Handling(by: "escalation", note: "not acknowledged within 5m", at: Self.t0 + 5 * Self.minute + 1))
        #expect(board.escalations(at: Self.t0 + 10 * Self.minute).isEmpty)  // once only
        #expect(board.escalations(at: Self.t0 + 16 * Self.minute).map(\.id) == ["warn"])
        // An update to critical shortens the warning's limit to five minutes from its opening.
        board.apply(Self.alert("late-crit", .raised, severity: .warning), at: Self.t0 + 20 * Self.minute)
        board.apply(Self.alert("late-crit", .updated, severity: .critical), at: Self.t0 + 21 * Self.minute)
        #expect(board["late-crit"]?.deadline == Self.t0 + 25 * Self.minute)
    }

    @Test("on-time rate per department over the last day, from a crafted timeline")
    func onTimeRate() throws {
        var board = AlertBoard(policy: HandlingPolicy(acknowledgeWithin: [.warning: 10 * Self.minute]))
        // traffic: 3 on time (ack at 2 min, assign at 9 min, rule-resolved at 1 min), 1 late ack, 1 never handled.
        for (index, id) in ["t1", "t2", "t3", "t4", "t5"].enumerated() {
            board.apply(Self.alert(id, .raised), at: Self.t0 + Int64(index))
        }
        _ = try board.perform(.acknowledge, on: "t1", by: "ana", at: Self.t0 + 2 * Self.minute)
        _ = try board.perform(.assign(to: "unit"), on: "t2", by: "ana", at: Self.t0 + 9 * Self.minute)
        board.apply(Self.alert("t3", .resolved), at: Self.t0 + Self.minute)
        _ = try board.perform(.acknowledge, on: "t4", by: "ana", at: Self.t0 + 30 * Self.minute)
        // parking: one still within its limit: undecided, not counted.
        board.apply(Self.alert("p1", .raised, department: "parking-management"), at: Self.t0 + 55 * Self.minute)
        let now = Self.t0 + Self.minute * 60
        let rates = board.onTimeRates(at: now)
        #expect(rates["traffic-police"] == OnTimeRate(onTime: 3, total: 5))
        #expect(rates["traffic-police"]?.rate == 0.6)
        #expect(rates["parking-management"] == nil)
        // A day later those cases have left the window.
        #expect(board.onTimeRates(at: Self.t0 + 86_400_000 + 56 * Self.minute).isEmpty)
    }

    @Test("queries filter by status, department, district and time, newest first, paginated")
    func queries() throws {
        var board = AlertBoard(policy: HandlingPolicy())
        for index in 0..<5 {
            board.apply(Self.alert("a\(index)", .raised, department: index % 2 == 0 ? "traffic-police" : "parking-management",
                                   district: "d0\(index % 3)"), at: Self.t0 + Int64(index) * Self.minute)
        }
        _ = try board.perform(.acknowledge, on: "a2", by: "ana", at: Self.t0 + 10 * Self.minute)
        #expect(board.query(.init()).cases.map(\.id) == ["a4", "a3", "a2", "a1", "a0"])
        #expect(board.query(.init(), offset: 1, limit: 2).cases.map(\.id) == ["a3", "a2"])
        #expect(board.query(.init(), offset: 1, limit: 2).total == 5)
        #expect(board.query(.init(status: .open, department: "traffic-police")).cases.map(\.id) == ["a4", "a0"])
        #expect(board.query(.init(district: "d01")).cases.map(\.id) == ["a4", "a1"])
        #expect(board.query(.init(since: Self.t0 + 3 * Self.minute)).cases.map(\.id) == ["a4", "a3"])
    }

    @Test("a board rebuilt from the published records ends in the same state")
    func rebuildFromStream() throws {
        var board = AlertBoard(policy: HandlingPolicy())
        var stream: [(Alert, Int64)] = []
        func publish(_ alert: Alert, _ at: Int64) {
            board.apply(alert, at: at)
            stream.append((alert, at))
        }
        publish(Self.alert("a", .raised), Self.t0)
        publish(Self.alert("b", .raised, severity: .critical), Self.t0)
        publish(try board.perform(.assign(to: "unit-3"), on: "a", by: "ana", at: Self.t0 + 1_000), Self.t0 + 1_000)
        for record in board.escalations(at: Self.t0 + 6 * Self.minute) { publish(record, Self.t0 + 6 * Self.minute) }
        publish(try board.perform(.resolve, on: "b", by: "bo", at: Self.t0 + 7 * Self.minute), Self.t0 + 7 * Self.minute)
        var rebuilt = AlertBoard(policy: HandlingPolicy())
        for (alert, at) in stream { rebuilt.apply(alert, at: at) }
        #expect(rebuilt["a"] == board["a"])
        #expect(rebuilt["b"] == board["b"])
        #expect(rebuilt["b"]?.escalatedAt == Self.t0 + 6 * Self.minute)
    }
}
