import CZeroMQ

/// Socket events a monitor can report (`ZMQ_EVENT_*`), and the monitor itself.
public struct SocketEvents: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The security handshake failed for another reason than the below.
    public static let handshakeFailedNoDetail = SocketEvents(rawValue: Int32(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
    /// The handshake succeeded (authenticated if a mechanism is set).
    public static let handshakeSucceeded = SocketEvents(rawValue: Int32(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
    /// A protocol error in the handshake: another mechanism, a wrong CURVE server key, garbage.
    public static let handshakeFailedProtocol = SocketEvents(rawValue: Int32(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
    /// The ZAP handler refused the peer.
    public static let handshakeFailedAuthentication = SocketEvents(rawValue: Int32(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
}

/// One event read from a monitor's PAIR socket: what happened, its value (an error number or
/// status), and the endpoint concerned.
public struct SocketEvent: Sendable, Equatable {
    public var event: SocketEvents
    public var value: UInt32
    public var endpoint: String

    /// Parses the two frames libzmq sends: u16 event and u32 value (native byte order), then the
    /// endpoint. `nil` for anything else.
    public init?(_ message: Message) {
        guard message.frames.count == 2, message.frames[0].count == 6 else { return nil }
        let bytes = message.frames[0]
        event = SocketEvents(rawValue: Int32(UInt16(bytes[0]) | UInt16(bytes[1]) << 8))
        value = UInt32(bytes[2]) | UInt32(bytes[3]) << 8 | UInt32(bytes[4]) << 16 | UInt32(bytes[5]) << 24
        endpoint = String(decoding: message.frames[1], as: UTF8.self)
    }
}

extension Socket {
    /// Publishes this socket's `events` on a PAIR socket that libzmq binds at `endpoint`
    /// (`inproc://…`); connect a PAIR socket of the same context there to read them
    /// (``SocketEvent``). Call on the thread that owns this socket.
    public func monitor(_ endpoint: String, events: SocketEvents) throws {
        try withHandle("zmq_socket_monitor") { handle in
            guard zmq_socket_monitor(handle, endpoint, events.rawValue) == 0 else { throw ZMQError.last("zmq_socket_monitor \(endpoint)") }
        }
    }
}
