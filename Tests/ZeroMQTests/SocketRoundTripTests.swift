import Testing
import ZeroMQ

@Suite("ZeroMQ round trips")
struct SocketRoundTripTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    @Test("PUSH → PULL over tcp loopback delivers frames in order")
    func pushPull() throws {
        let pull = try Socket(context, .pull)
        try pull.setReceiveTimeout(milliseconds: 5_000)
        try pull.bind("tcp://127.0.0.1:*")
        let push = try Socket(context, .push)
        try push.connect(try pull.lastEndpoint)
        for index in 0..<100 { try push.send("frame \(index)") }
        for index in 0..<100 {
            let frame = try #require(try pull.receive())
            #expect(String(decoding: frame.bytes, as: UTF8.self) == "frame \(index)")
            #expect(frame.more == false)
        }
    }

    @Test("multipart messages arrive whole, frame boundaries intact")
    func multipart() throws {
        let pull = try Socket(context, .pull)
        try pull.setReceiveTimeout(milliseconds: 5_000)
        try pull.bind("inproc://multipart")
        let push = try Socket(context, .push)
        try push.connect("inproc://multipart")
        let sent = Message(frames: [Array("topic".utf8), [], [0, 1, 2, 255]])
        try push.send(sent)
        #expect(try pull.receiveMessage() == sent)
    }

    @Test("PUB/SUB delivers only subscribed topic prefixes")
    func publishSubscribe() throws {
        let publisher = try Socket(context, .xpub)
        try publisher.setReceiveTimeout(milliseconds: 5_000)
        try publisher.bind("tcp://127.0.0.1:*")
        let subscriber = try Socket(context, .sub)
        try subscriber.setReceiveTimeout(milliseconds: 5_000)
        try subscriber.subscribe("alert.traffic-police.")
        try subscriber.connect(try publisher.lastEndpoint)
        // An XPUB sees the subscription arrive, so no sleep is needed to beat the slow joiner.
        let subscription = try #require(try publisher.receive())
        #expect(subscription.bytes == [1] + Array("alert.traffic-police.".utf8))

        try publisher.send(Message("alert.parking-management.info", "skip"))
        try publisher.send(Message("alert.traffic-police.warning", "keep"))
        let message = try #require(try subscriber.receiveMessage())
        #expect(message.string(at: 0) == "alert.traffic-police.warning")
        #expect(message.string(at: 1) == "keep")
    }

    @Test("ROUTER sees the DEALER's identity and can answer it")
    func routerDealer() throws {
        let router = try Socket(context, .router)
        try router.setReceiveTimeout(milliseconds: 5_000)
        try router.bind("inproc://router")
        let dealer = try Socket(context, .dealer)
        try dealer.setReceiveTimeout(milliseconds: 5_000)
        try dealer.setRoutingID(Array("consumer-1".utf8))
        try dealer.connect("inproc://router")
        try dealer.send("after 42")
        let request = try #require(try router.receiveMessage())
        #expect(request.string(at: 0) == "consumer-1")
        #expect(request.string(at: 1) == "after 42")
        try router.send(Message(frames: [request.frames[0], Array("backlog".utf8)]))
        #expect(try dealer.receiveMessage() == Message("backlog"))
    }

    @Test("XSUB and XPUB forward subscriptions and messages like a proxy")
    func xsubXpub() throws {
        let upstream = try Socket(context, .pub)
        try upstream.bind("inproc://upstream")
        let xsub = try Socket(context, .xsub)
        try xsub.setReceiveTimeout(milliseconds: 5_000)
        try xsub.connect("inproc://upstream")
        try xsub.send([1] + Array("traffic.".utf8))  // subscribe upstream through the XSUB
        var poller = Poller()
        poller.add(xsub)
        var received: Message?
        for _ in 0..<500 where received == nil {  // bounded: the subscription needs to reach the PUB
            try upstream.send(Message("traffic.d01.seg-1", "{}"))
            if try !poller.poll(timeoutMilliseconds: 10).isEmpty { received = try xsub.receiveMessage() }
        }
        #expect(received?.string(at: 0) == "traffic.d01.seg-1")
    }

    @Test("a receive timeout returns nil instead of blocking")
    func receiveTimeout() throws {
        let pull = try Socket(context, .pull)
        try pull.setReceiveTimeout(milliseconds: 20)
        try pull.bind("inproc://quiet")
        #expect(try pull.receive() == nil)
        #expect(try pull.receive(dontWait: true) == nil)
    }

    @Test("the poller reports only sockets with messages")
    func poller() throws {
        let quiet = try Socket(context, .pull)
        try quiet.bind("inproc://poll-quiet")
        let busy = try Socket(context, .pull)
        try busy.bind("inproc://poll-busy")
        let push = try Socket(context, .push)
        try push.connect("inproc://poll-busy")
        try push.send("x")
        var poller = Poller()
        poller.add(quiet)
        poller.add(busy)
        #expect(try poller.poll(timeoutMilliseconds: 5_000) == [1])
    }
}
