import CZeroMQ
import Testing
import ZeroMQ

@Suite("ZeroMQ misuse is thrown, never a crash")
struct SocketErrorTests {
    let context: Context

    init() throws {
        context = try Context()
    }

    @Test("binding a malformed endpoint throws with errno and the operation")
    func badEndpoint() throws {
        let socket = try Socket(context, .pull)
        let error = try #require(throws: ZMQError.self) { try socket.bind("not-an-endpoint") }
        #expect(error.operation == "zmq_bind(not-an-endpoint)")
        #expect(error.errno == EINVAL)
        #expect(error.description.contains("zmq_bind(not-an-endpoint)"))
    }

    @Test("binding a port twice reports EADDRINUSE")
    func addressInUse() throws {
        let first = try Socket(context, .pull)
        try first.bind("tcp://127.0.0.1:*")
        let second = try Socket(context, .pull)
        let error = try #require(throws: ZMQError.self) { try second.bind(try first.lastEndpoint) }
        #expect(error.errno == EADDRINUSE)
    }

    @Test("using a closed socket throws ENOTSOCK")
    func closedSocket() throws {
        let socket = try Socket(context, .push)
        socket.close()
        socket.close()  // harmless
        #expect(socket.isClosed)
        let error = try #require(throws: ZMQError.self) { try socket.send("x") }
        #expect(error.errno == ENOTSOCK)
        #expect(throws: ZMQError.self) { try socket.connect("inproc://x") }
        #expect(throws: ZMQError.self) { _ = try socket.receive() }
    }

    @Test("subscribing on a socket that cannot subscribe throws")
    func subscribeOnPush() throws {
        let socket = try Socket(context, .push)
        #expect(throws: ZMQError.self) { try socket.subscribe("x") }
    }

    @Test("an empty multipart message is refused")
    func emptyMessage() throws {
        let socket = try Socket(context, .push)
        #expect(throws: ZMQError.self) { try socket.send(Message(frames: [])) }
    }

    @Test("options read back what was set")
    func options() throws {
        let socket = try Socket(context, .sub)
        try socket.setSendHighWaterMark(123)
        try socket.setReceiveHighWaterMark(456)
        try socket.setLinger(milliseconds: 7)
        try socket.setMaxMessageSize(65_536)
        try socket.setReceiveTimeout(milliseconds: 250)
        try socket.setSendTimeout(milliseconds: 300)
        #expect(try socket.sendHighWaterMark == 123)
        #expect(try socket.receiveHighWaterMark == 456)
        #expect(try socket.linger == 7)
        #expect(try socket.maxMessageSize == 65_536)
        #expect(try socket.receiveTimeout == 250)
        #expect(try socket.sendTimeout == 300)
    }

    @Test("an oversized message disconnects the sender instead of reaching the receiver")
    func maxMessageSize() throws {
        let pull = try Socket(context, .pull)
        try pull.setMaxMessageSize(100)
        try pull.setReceiveTimeout(milliseconds: 300)
        try pull.bind("tcp://127.0.0.1:*")
        let push = try Socket(context, .push)
        try push.setLinger(milliseconds: 0)
        try push.connect(try pull.lastEndpoint)
        try push.send([UInt8](repeating: 65, count: 1_000))
        #expect(try pull.receive() == nil)
    }
}
