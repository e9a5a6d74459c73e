import CityBrainCore
import Testing

@Suite("Detection evaluation")
struct DetectionEvaluationTests {
    static func raised(_ rule: String, _ sensor: String, at time: Int64, observedAt: Int64? = nil, state: AlertState = .raised) -> Alert {
        var alert = Alert(id: "\(rule):\(sensor):\(time)", rule: rule, state: state, severity: .warning, department: "d", key: sensor, sensor: sensor,
                          district: nil, kind: .traffic, windowStart: time, windowEnd: time, value: nil, threshold: nil, values: [], message: "", ts: time)
        alert.observedAt = observedAt
        return alert
    }

    @Test("windows found with their delay, missed, false alerts on labelled sensors only, and any rule together")
    func score() {
        let labels = [LabelledWindow(sensor: "a", start: 1_000, end: 2_000), LabelledWindow(sensor: "a", start: 5_000, end: 6_000),
                      LabelledWindow(sensor: "b", start: 1_000, end: 1_500)]
        let alerts = [
            Self.raised("drop", "a", at: 1_900, observedAt: 1_300),  // counts at its reading: found, 300 ms
            Self.raised("drop", "a", at: 1_800),                      // second raise in the window: not another find
            Self.raised("drop", "a", at: 3_000),                      // between windows: false
            Self.raised("drop", "a", at: 5_000, state: .resolved),    // resolves are not counted
            Self.raised("drop", "z", at: 1_200),                      // no labels for z: not counted
            Self.raised("silent", "b", at: 1_500),                    // found at the window's end
            Self.raised("silent", "c", at: 9_000),                    // c is labelled with no incident: false
        ]
        let scores = DetectionEvaluation.score(alerts: alerts, labels: labels, labelledSensors: ["a", "b", "c"])
        #expect(scores.map(\.rule) == ["drop", "silent", "*"])
        #expect(scores[0] == RuleDetectionScore(rule: "drop", windows: 3, found: 1, missed: 2, falseAlerts: 1, delays: [300]))
        #expect(scores[1] == RuleDetectionScore(rule: "silent", windows: 3, found: 1, missed: 2, falseAlerts: 1, delays: [500]))
        #expect(scores[2] == RuleDetectionScore(rule: "*", windows: 3, found: 2, missed: 1, falseAlerts: 2, delays: [300, 500]))
        #expect(scores[2].medianDelay == 400)
    }
}
