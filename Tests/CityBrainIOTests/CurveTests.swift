import CityBrainCore
import CityBrainIO
import CityBrainTesting
import Foundation
import Logging
import Testing
import ZeroMQ

@Suite("CURVE: sockets only for those allowed")
struct CurveTests {
    @Test("allowed keys publish and consume; an unknown publisher cannot inject and an unknown consumer receives nothing")
    func allowList() throws {
        let directory = try makeTemporaryDirectory("curve")
        defer { removeTemporaryDirectory(directory) }
        let server = try CurveKeyPair.generate(), friend = try CurveKeyPair.generate(), stranger = try CurveKeyPair.generate()
        let context = try Context()
        let feed = "ipc://\(directory)/feed.ipc"
        let live = try LivePipeline(
            context: context,
            configuration: .init(pipeline: try BuiltInPipeline.city(), feeds: FeedEndpoints(pull: [feed]), alertEndpoints: ["tcp://127.0.0.1:*"],
                                 partitions: 1, deterministic: true, curve: (server.secretKey, [friend.publicKey])),
            logger: Logger(label: "curve")
        )
        try live.start()
        defer { live.stop() }
        let alerts = try #require(live.publisher?.boundEndpoints.first)

        func subscriber(_ security: SocketSecurity) throws -> Socket {
            let socket = try Socket(context, .sub)
            try security.apply(to: socket)
            try socket.setReceiveTimeout(milliseconds: 1_500)
            try socket.subscribe("alert.")
            try socket.connect(alerts)
            return socket
        }
        let trusted = try subscriber(.client(serverKey: server.publicKey, keyPair: friend))
        let untrusted = try subscriber(.client(serverKey: server.publicKey, keyPair: stranger))
        let plain = try subscriber(.none)
        #expect(live.publisher?.waitForSubscribers(1, timeoutMilliseconds: 10_000) == true)

        func events(_ sensor: String) -> [String] {
            stride(from: 0, to: 60, by: 6).map { #"{"kind":"traffic","sensor":"\#(sensor)","district":"d01","ts":\#(1_732_269_600_000 + $0 * 1000),"speed_kmh":10,"occupancy":0.6}"# }
                + [#"{"kind":"traffic","sensor":"\#(sensor)","district":"d01","ts":1732269670000,"speed_kmh":50,"occupancy":0.1}"#]
        }
        func publish(_ lines: [String], as security: SocketSecurity) throws {
            let push = try Socket(context, .push)
            try security.apply(to: push)
            try push.setLinger(milliseconds: 1_000)
            try push.connect(feed)
            for line in lines { try push.send(line) }
            push.close()
        }
        try publish(events("seg-impostor"), as: .client(serverKey: server.publicKey, keyPair: stranger))
        try publish(events("seg-plain"), as: .none)
        let impersonated = try CurveKeyPair.generate()  // the friend's key pair, but the wrong server key
        try publish(events("seg-misdirected"), as: .client(serverKey: impersonated.publicKey, keyPair: friend))
        try publish(events("seg-real"), as: .client(serverKey: server.publicKey, keyPair: friend))

        let message = try #require(try trusted.receiveMessage(), "the allowed consumer got nothing")
        let alert = try Alert(json: message.frames[1])
        #expect(alert.sensor == "seg-real")
        #expect(live.status.ingest.accepted == 11)  // only the allowed publisher's events got in
        #expect(try untrusted.receiveMessage() == nil)
        #expect(try plain.receiveMessage() == nil)
        // The two unknown keys were refused by the allow-list; the NULL publisher and subscriber
        // (mechanism mismatch) and the publisher with the wrong server key fail the handshake
        // itself: watched, they are counted too.
        #expect(eventually(within: 5) { (live.authentication?.refused ?? 0) >= 5 })
        let refusals = try #require(live.authentication)
        #expect(refusals.accepted >= 2)
    }

    @Test("key files round trip; a bad file is rejected with its reason")
    func keyFiles() throws {
        let base = temporaryPath("key")
        defer { removeTemporaryItem(base + ".key"); removeTemporaryItem(base + ".pub") }
        let pair = try CurveKeyPair.generate()
        try KeyFiles.write(pair, base: base)
        #expect(try KeyFiles.keyPair(at: base + ".key") == pair)
        #expect(try KeyFiles.publicKeys(at: base + ".pub") == [pair.publicKey])
        let permissions = try FileManager.default.attributesOfItem(atPath: base + ".key")[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        try "not-a-key\n".write(toFile: base + ".pub", atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try KeyFiles.publicKeys(at: base + ".pub") }
        // Z85 keys may contain (and start with) '#': only other '#' lines are comments.
        let hashy = "#" + String(repeating: "a", count: 20) + "#" + String(repeating: "b", count: 18)
        try "# gateways\n\(hashy)  gateway-7\n\n\(pair.publicKey)\n".write(toFile: base + ".pub", atomically: true, encoding: .utf8)
        #expect(try KeyFiles.publicKeys(at: base + ".pub") == [hashy, pair.publicKey])
        // Many generated keys contain '#': every one must survive a round trip.
        for _ in 0..<200 {
            let key = try CurveKeyPair.generate()
            try KeyFiles.write(key, base: base)
            #expect(try KeyFiles.publicKeys(at: base + ".pub") == [key.publicKey])
            #expect(try KeyFiles.keyPair(at: base + ".key") == key)
        }
    }
}
