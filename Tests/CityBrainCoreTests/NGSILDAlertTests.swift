import CityBrainCore
import Testing

@Suite("NGSI-LD alerts")
struct NGSILDAlertTests {
    static func alert(_ state: AlertState, ts: Int64) -> Alert {
        Alert(seq: state == .raised ? 7 : 9, id: "traffic-congestion:seg 17:1732270200000", rule: "traffic-congestion", state: state,
              severity: .warning, department: "traffic-police", key: "seg 17", sensor: "seg 17", district: "d07", kind: .traffic,
              windowStart: ts - 60_000, windowEnd: ts, value: 12.5, threshold: 20, values: [], message: "Congestion on seg 17", ts: ts)
    }

    @Test("a raise and its resolve are one FIWARE Alert entity: same id, validFrom the raise, validTo the resolve")
    func lifecycle() throws {
        let raised = NGSILDAlertEncoder.json(Self.alert(.raised, ts: 1_732_270_200_000))
        #expect(raised == #"{"id":"urn:ngsi-ld:Alert:citybrain:traffic-congestion:seg%2017:1732270200000","type":"Alert","#
            + #""category":{"type":"Property","value":"traffic"},"subCategory":{"type":"Property","value":"traffic-congestion"},"#
            + #""severity":{"type":"Property","value":"medium"},"alertSource":{"type":"Property","value":"seg 17"},"#
            + #""dateIssued":{"type":"Property","value":{"@type":"DateTime","@value":"2024-11-22T10:10:00.000Z"}},"#
            + #""validFrom":{"type":"Property","value":{"@type":"DateTime","@value":"2024-11-22T10:10:00.000Z"}},"#
            + #""description":{"type":"Property","value":"Congestion on seg 17"},"alertState":{"type":"Property","value":"raised"},"#
            + #""department":{"type":"Property","value":"traffic-police"},"areaServed":{"type":"Property","value":"d07"},"#
            + #""observedValue":{"type":"Property","value":12.5},"threshold":{"type":"Property","value":20},"#
            + #""sequence":{"type":"Property","value":7},"#
            + #""@context":["https://raw.githubusercontent.com/smart-data-models/dataModel.Alert/master/context.jsonld","https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"]}"#)
        let resolved = try JSONValue.parse(json: Array(NGSILDAlertEncoder.json(Self.alert(.resolved, ts: 1_732_270_500_000)).utf8))
        #expect(resolved["id"]?.string == "urn:ngsi-ld:Alert:citybrain:traffic-congestion:seg%2017:1732270200000")
        #expect(resolved["validFrom"]?["value"]?["@value"]?.string == "2024-11-22T10:10:00.000Z")
        #expect(resolved["validTo"]?["value"]?["@value"]?.string == "2024-11-22T10:15:00.000Z")
        #expect(AlertFormat.sequence(of: resolved) == 9)
    }
}
