import CityBrainCore
import Testing

/// FIWARE Smart Data Models over NGSI-LD: the models' example payloads (written from their
/// specifications), both representations, notifications, bad entities.
@Suite("NGSI-LD decoding")
struct NGSILDDecoderTests {
    let decoder = FeedDecoder(format: .ngsiLD)

    func decode(_ text: String) throws(FrameRejection) -> FrameContent {
        try decoder.decode(frame: Array(text.utf8))
    }

    static let valladolid = Event(kind: .traffic, sensor: "TrafficFlowObserved-Valladolid-osm-60821110", district: "Valladolid",
                                  timestamp: 1_481_109_300_000,
                                  readings: [Reading("speed_kmh", 52.6), Reading("occupancy", 0.76), Reading("flow_vph", 2364)])

    @Test("TrafficFlowObserved, normalized: speed, occupancy, intensity over the period as flow per hour")
    func trafficNormalized() throws {
        let content = try decode("""
            {"id":"urn:ngsi-ld:TrafficFlowObserved:TrafficFlowObserved-Valladolid-osm-60821110","type":"TrafficFlowObserved",
             "averageVehicleSpeed":{"type":"Property","value":52.6},"congested":{"type":"Property","value":false},
             "dateObserved":{"type":"Property","value":"2016-12-07T11:10:00/2016-12-07T11:15:00"},
             "intensity":{"type":"Property","value":197},"laneDirection":{"type":"Property","value":"forward"},
             "laneId":{"type":"Property","value":1},
             "location":{"type":"GeoProperty","value":{"type":"LineString","coordinates":[[-4.73735395519672,41.6538181849672],[-4.73414858659993,41.6600594193478]]}},
             "occupancy":{"type":"Property","value":0.76},
             "address":{"type":"Property","value":{"addressCountry":"ES","addressLocality":"Valladolid","streetAddress":"Avenida de Salamanca"}},
             "@context":["https://smartdatamodels.org/context.jsonld","https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"]}
            """)
        #expect(content.events == [Self.valladolid])
        #expect(content.rejected.isEmpty)
    }

    @Test("TrafficFlowObserved, keyValues, in a notification: the same event")
    func trafficKeyValuesNotification() throws {
        let content = try decode("""
            {"id":"urn:ngsi-ld:Notification:5fd0fa684eb81930c97005f3","type":"Notification",
             "subscriptionId":"urn:ngsi-ld:Subscription:traffic","notifiedAt":"2016-12-07T11:15:02.193Z",
             "data":[{"id":"urn:ngsi-ld:TrafficFlowObserved:TrafficFlowObserved-Valladolid-osm-60821110","type":"TrafficFlowObserved",
                      "averageVehicleSpeed":52.6,"dateObservedFrom":"2016-12-07T11:10:00Z","dateObservedTo":"2016-12-07T11:15:00Z",
                      "intensity":197,"occupancy":0.76,"address":{"addressLocality":"Valladolid","addressCountry":"ES"}}]}
            """)
        #expect(content.events == [Self.valladolid])
    }

    @Test("OffStreetParking (keyValues): capacity and occupied from total and available spots")
    func offStreetParking() throws {
        let content = try decode("""
            {"id":"porto-ParkingLot-23889","type":"OffStreetParking","name":"Parque de estacionamento Trindade",
             "category":["underground","public","feeCharged","mediumTerm","barrierAccess"],"chargeType":["temporaryFee"],
             "layout":["multiLevel"],"maximumParkingDuration":"PT8H","allowedVehicleType":["car"],
             "location":{"type":"Point","coordinates":[-8.60961198806763,41.150691773]},
             "totalSpotNumber":414,"availableSpotNumber":132,
             "address":{"streetAddress":"Rua de Fernandes Tomás","addressLocality":"Porto","addressCountry":"Portugal"},
             "dateModified":"2016-06-02T09:25:55.00Z"}
            """)
        #expect(content.events == [Event(kind: .parking, sensor: "porto-ParkingLot-23889", district: "Porto", timestamp: 1_464_859_555_000,
                                         readings: [Reading("capacity", 414), Reading("occupied", 282)])])
    }

    @Test("ParkingSpot: a spot's status is one space, occupied or free; an unknown status gives nothing")
    func parkingSpot() throws {
        let content = try decode("""
            [{"id":"urn:ngsi-ld:ParkingSpot:santander-daoiz-velarde-1-5-3","type":"ParkingSpot","name":"A-13",
              "status":{"type":"Property","value":"occupied","observedAt":"2018-09-21T12:00:00Z"},"category":{"type":"Property","value":["onstreet"]},
              "refParkingSite":{"type":"Relationship","object":"urn:ngsi-ld:OnStreetParking:santander-daoiz-velarde-1-5"}},
             {"id":"urn:ngsi-ld:ParkingSpot:santander-daoiz-velarde-1-5-4","type":"ParkingSpot","status":"free","dateModified":"2018-09-21T12:00:00Z"},
             {"id":"urn:ngsi-ld:ParkingSpot:santander-daoiz-velarde-1-5-5","type":"ParkingSpot","status":"unknown","dateModified":"2018-09-21T12:00:00Z"}]
            """)
        #expect(content.events == [
            Event(kind: .parking, sensor: "santander-daoiz-velarde-1-5-3", timestamp: 1_537_531_200_000, readings: [Reading("occupied", 1), Reading("capacity", 1)]),
            Event(kind: .parking, sensor: "santander-daoiz-velarde-1-5-4", timestamp: 1_537_531_200_000, readings: [Reading("occupied", 0), Reading("capacity", 1)]),
        ])
        #expect(content.rejected.map(\.description) == [
            "missing_field: entity 2 (urn:ngsi-ld:ParkingSpot:santander-daoiz-velarde-1-5-5): no attribute gives a measurement CityBrain knows",
        ])
    }

    @Test("AirQualityObserved: the older upper-case names, unit codes converted, relative humidity as a fraction")
    func airQuality() throws {
        let content = try decode("""
            {"id":"urn:ngsi-ld:AirQualityObserved:Madrid-AmbientObserved-28079004","type":"AirQualityObserved",
             "dateObserved":{"type":"Property","value":{"@type":"DateTime","@value":"2016-03-15T11:00:00Z"}},
             "airQualityLevel":{"type":"Property","value":"moderate"},"airQualityIndex":{"type":"Property","value":65},
             "CO":{"type":"Property","value":500,"unitCode":"GQ"},"NO2":{"type":"Property","value":45,"unitCode":"GQ"},
             "pm25":{"type":"Property","value":12.5},"temperature":{"type":"Property","value":12.2,"unitCode":"CEL"},
             "relativeHumidity":{"type":"Property","value":0.54},"areaServed":{"type":"Property","value":"Centro"},
             "@context":"https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"}
            """)
        #expect(content.events == [Event(kind: .environment, sensor: "Madrid-AmbientObserved-28079004", district: "Centro", timestamp: 1_458_039_600_000,
                                         readings: [Reading("co", 0.5), Reading("no2", 45), Reading("pm25", 12.5), Reading("temperature_c", 12.2),
                                                    Reading("humidity_pct", 54)])])
    }

    @Test("NoiseLevelObserved and WaterQualityObserved (keyValues, plain ids kept whole)")
    func noiseAndWater() throws {
        let content = try decode("""
            [{"id":"Vitoria-NoiseLevelObserved-2016-12-28T11:00:00_2016-12-28T12:00:00","type":"NoiseLevelObserved",
              "LAeq":67.8,"LAmax":94.5,"LAS":91.6,"dateObservedFrom":"2016-12-28T11:00:00.00Z","dateObservedTo":"2016-12-28T12:00:00.00Z",
              "location":{"type":"Point","coordinates":[-2.698,42.8491]}},
             {"id":"urn:ngsi-ld:WaterQualityObserved:waterqualityobserved:Sevilla:D1","type":"WaterQualityObserved",
              "temperature":24.4,"conductivity":0.005,"pH":7.4,"O2":0.01,"dateObserved":"2017-01-31T06:45:00Z"}]
            """)
        #expect(content.events == [
            Event(kind: .environment, sensor: "Vitoria-NoiseLevelObserved-2016-12-28T11:00:00_2016-12-28T12:00:00", timestamp: 1_482_926_400_000,
                  readings: [Reading("noise_db", 67.8)]),
            Event(kind: .environment, sensor: "waterqualityobserved:Sevilla:D1", timestamp: 1_485_845_100_000, readings: [Reading("temperature_c", 24.4)]),
        ])
    }

    @Test("a mapping file's model reads another entity type into a declared kind")
    func mappedModel() throws {
        let water = EventKind(rawValue: "water")!
        let decoder = FeedDecoder(format: .auto,
                                  catalogue: MeasurementCatalogue(kinds: EventKind.builtIn + [water],
                                                                  measurements: [MeasurementDeclaration(kind: water, name: "level_cm", unit: "cm")]),
                                  mapping: FeedMapping(models: ["WaterLevelObserved": NGSIModel(kind: water, attributes: ["height": .init("level_cm", unit: "m")])]))
        let content = try decoder.decode(frame: Array(#"{"id":"urn:ngsi-ld:WaterLevelObserved:gauge-7","type":"WaterLevelObserved","height":1.25,"dateObserved":"2026-12-04T07:15:00+01:00"}"#.utf8))
        #expect(content.events == [Event(kind: water, sensor: "gauge-7", timestamp: 1_796_364_900_000, readings: [Reading("level_cm", 125)])])
    }

    @Test("bad entities are rejected alone, naming entity and id")
    func badEntities() throws {
        let content = try decode("""
            [{"id":"urn:ngsi-ld:Streetlight:l-1","type":"Streetlight","powerState":"on"},
             {"type":"TrafficFlowObserved","averageVehicleSpeed":50},
             {"id":"urn:ngsi-ld:TrafficFlowObserved:s-1","type":"TrafficFlowObserved","averageVehicleSpeed":50},
             {"id":"urn:ngsi-ld:TrafficFlowObserved:s-2","type":"TrafficFlowObserved","dateObserved":"2026-12-04T07:15:00Z",
              "averageVehicleSpeed":{"type":"Property","value":50,"unitCode":"XYZ"},"occupancy":"high","intensity":30},
             {"id":"urn:ngsi-ld:TrafficFlowObserved:s-3","type":"TrafficFlowObserved","dateObserved":"2026-12-04T07:15:00Z","averageVehicleSpeed":50}]
            """)
        #expect(content.events == [Event(kind: .traffic, sensor: "s-3", timestamp: 1_796_368_500_000, readings: [Reading("speed_kmh", 50)])])
        #expect(content.rejected.map(\.description) == [
            "unknown_model: entity 0 (urn:ngsi-ld:Streetlight:l-1): entity type 'Streetlight' is not a model CityBrain reads (AirQualityObserved, NoiseLevelObserved, OffStreetParking, OnStreetParking, ParkingSpot, TrafficFlowObserved, WaterQualityObserved); map it in the mapping file",
            "missing_field: entity 1: required member 'id' is missing",
            "missing_field: entity 2 (urn:ngsi-ld:TrafficFlowObserved:s-1): no observation time for 'averageVehicleSpeed' (observedAt, dateObserved or dateModified)",
            "unknown_unit: entity 3 (urn:ngsi-ld:TrafficFlowObserved:s-2): unknown unitCode 'XYZ' of 'averageVehicleSpeed' (UN/CEFACT codes such as KMH, CEL, GQ, P1)",
            "wrong_type: entity 3 (urn:ngsi-ld:TrafficFlowObserved:s-2): attribute 'occupancy' must be a number, found a string",
            "missing_field: entity 3 (urn:ngsi-ld:TrafficFlowObserved:s-2): 'intensity' counts vehicles over the observation period, and the entity gives none (dateObservedFrom/dateObservedTo, or dateObserved as an interval)",
        ])
    }

    @Test("auto-detection: native, NGSI-LD object and array, SenML array and CBOR, each by content")
    func autoDetection() throws {
        let auto = FeedDecoder(format: .auto)
        func events(_ text: String) throws -> [Event] { try auto.decode(frame: Array(text.utf8), receivedAt: 1_764_835_200_000).events }
        let native = #"{"kind":"traffic","sensor":"s-3","ts":1796368500000,"speed_kmh":50}"#
        let entity = #"{"id":"urn:ngsi-ld:TrafficFlowObserved:s-3","type":"TrafficFlowObserved","dateObserved":"2026-12-04T07:15:00Z","averageVehicleSpeed":50}"#
        let pack = #"[{"bn":"traffic.-.s-3/","bt":1796368500,"n":"speed_kmh","v":50}]"#
        let expected = [Event(kind: .traffic, sensor: "s-3", timestamp: 1_796_368_500_000, readings: [Reading("speed_kmh", 50)])]
        #expect(try events(native) == expected)
        #expect(try events(entity) == expected)
        #expect(try events("[\(entity)]") == expected)
        #expect(try events(pack) == expected)
        #expect(try auto.decode(frame: SenMLEncoder.cbor(expected[0])).events == expected)
        // A bad native frame stays a native rejection.
        #expect(throws: FrameRejection(.missingField, "required field 'kind' is missing")) {
            try auto.decode(frame: Array(#"{"sensor":"s-3","ts":1796368500000}"#.utf8))
        }
    }

    @Test("what the NGSI-LD encoder writes decodes to the event it was written from",
          arguments: [
            Event(kind: .traffic, sensor: "seg-00421", district: "d07", timestamp: 1_732_270_000_123,
                  readings: [Reading("speed_kmh", 43.5), Reading("flow_vph", 1240), Reading("occupancy", 0.31), Reading("travel_time_s", 61)]),
            Event(kind: .parking, sensor: "garage-12", timestamp: 1_732_270_000_000, readings: [Reading("occupied", 412), Reading("capacity", 450)]),
            Event(kind: .environment, sensor: "aq-118", district: "d07", timestamp: 1_732_270_000_999,
                  readings: [Reading("pm25", 35.2), Reading("noise_db", 63.1), Reading("humidity_pct", 40), Reading("water_level_cm", 120)]),
          ])
    func roundTrip(event: Event) throws {
        let text = try #require(NGSILDEncoder.json(event))
        let decoded = try FeedDecoder(format: .auto).decode(frame: Array(text.utf8)).events
        #expect(decoded.count == 1)
        #expect(Set(decoded.first?.readings.map(\.name) ?? []) == Set(event.readings.map(\.name)))
        for reading in event.readings { #expect(decoded.first?.value(reading.name) == reading.value) }
        #expect(decoded.first?.timestamp == event.timestamp)
        #expect(decoded.first?.district == event.district)
    }
}
