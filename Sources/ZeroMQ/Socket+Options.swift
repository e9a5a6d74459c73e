import CZeroMQ

extension Socket {
    /// Outgoing queue limit in messages (`ZMQ_SNDHWM`); libzmq's default is 1000.
    public var sendHighWaterMark: Int32 {
        get throws { try option(ZMQ_SNDHWM, as: Int32.self, "ZMQ_SNDHWM") }
    }

    /// Sets ``sendHighWaterMark``. Set it before bind or connect to apply to every peer.
    public func setSendHighWaterMark(_ messages: Int32) throws {
        try setOption(ZMQ_SNDHWM, messages, "ZMQ_SNDHWM")
    }

    /// Incoming queue limit in messages (`ZMQ_RCVHWM`).
    public var receiveHighWaterMark: Int32 {
        get throws { try option(ZMQ_RCVHWM, as: Int32.self, "ZMQ_RCVHWM") }
    }

    /// Sets ``receiveHighWaterMark``. Set it before bind or connect.
    public func setReceiveHighWaterMark(_ messages: Int32) throws {
        try setOption(ZMQ_RCVHWM, messages, "ZMQ_RCVHWM")
    }

    /// How long, in milliseconds, unsent frames are kept after ``close()`` (`ZMQ_LINGER`);
    /// `-1` waits forever, `0` drops them at once.
    public var linger: Int32 {
        get throws { try option(ZMQ_LINGER, as: Int32.self, "ZMQ_LINGER") }
    }

    /// Sets ``linger``.
    public func setLinger(milliseconds: Int32) throws {
        try setOption(ZMQ_LINGER, milliseconds, "ZMQ_LINGER")
    }

    /// Largest message libzmq accepts from a peer, in bytes (`ZMQ_MAXMSGSIZE`); `-1` means no
    /// limit. A peer that sends a larger one is disconnected by libzmq.
    public var maxMessageSize: Int64 {
        get throws { try option(ZMQ_MAXMSGSIZE, as: Int64.self, "ZMQ_MAXMSGSIZE") }
    }

    /// Sets ``maxMessageSize``. Set it before bind or connect.
    public func setMaxMessageSize(_ bytes: Int64) throws {
        try setOption(ZMQ_MAXMSGSIZE, bytes, "ZMQ_MAXMSGSIZE")
    }

    /// Receive timeout in milliseconds (`ZMQ_RCVTIMEO`); `-1` blocks forever.
    public var receiveTimeout: Int32 {
        get throws { try option(ZMQ_RCVTIMEO, as: Int32.self, "ZMQ_RCVTIMEO") }
    }

    /// Sets ``receiveTimeout``: after it, a blocking receive returns `nil`.
    public func setReceiveTimeout(milliseconds: Int32) throws {
        try setOption(ZMQ_RCVTIMEO, milliseconds, "ZMQ_RCVTIMEO")
    }

    /// Send timeout in milliseconds (`ZMQ_SNDTIMEO`); `-1` blocks forever.
    public var sendTimeout: Int32 {
        get throws { try option(ZMQ_SNDTIMEO, as: Int32.self, "ZMQ_SNDTIMEO") }
    }

    /// Sets ``sendTimeout``: after it, a blocking send returns `false`.
    public func setSendTimeout(milliseconds: Int32) throws {
        try setOption(ZMQ_SNDTIMEO, milliseconds, "ZMQ_SNDTIMEO")
    }

    /// Subscribes a SUB or XSUB socket to messages whose first frame starts with `prefix`
    /// (`""` subscribes to everything).
    public func subscribe(_ prefix: String = "") throws {
        try setOption(ZMQ_SUBSCRIBE, bytes: Array(prefix.utf8), "ZMQ_SUBSCRIBE(\(prefix))")
    }

    /// Removes a subscription made with ``subscribe(_:)``.
    public func unsubscribe(_ prefix: String = "") throws {
        try setOption(ZMQ_UNSUBSCRIBE, bytes: Array(prefix.utf8), "ZMQ_UNSUBSCRIBE(\(prefix))")
    }

    /// Makes an XPUB socket pass up every subscription message, duplicates included
    /// (`ZMQ_XPUB_VERBOSE`).
    public func setXPubVerbose(_ verbose: Bool) throws {
        try setOption(ZMQ_XPUB_VERBOSE, Int32(verbose ? 1 : 0), "ZMQ_XPUB_VERBOSE")
    }

    /// The identity a ROUTER peer sees for this socket (`ZMQ_ROUTING_ID`).
    public func setRoutingID(_ id: [UInt8]) throws {
        try setOption(ZMQ_ROUTING_ID, bytes: id, "ZMQ_ROUTING_ID")
    }

    /// The endpoint of the last bind or connect, with the port libzmq picked for `tcp://…:*`
    /// (`ZMQ_LAST_ENDPOINT`).
    public var lastEndpoint: String {
        get throws {
            let socket = try open("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
            var buffer = [CChar](repeating: 0, count: 1024)
            var size = buffer.count
            guard zmq_getsockopt(socket, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
                throw ZMQError.last("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
            }
            return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    // MARK: Raw access

    func option<T: FixedWidthInteger>(_ name: Int32, as type: T.Type, _ label: String) throws -> T {
        let socket = try open("zmq_getsockopt(\(label))")
        var value: T = 0
        var size = MemoryLayout<T>.size
        guard zmq_getsockopt(socket, name, &value, &size) == 0 else {
            throw ZMQError.last("zmq_getsockopt(\(label))")
        }
        return value
    }

    func setOption<T: FixedWidthInteger>(_ name: Int32, _ value: T, _ label: String) throws {
        let socket = try open("zmq_setsockopt(\(label))")
        var value = value
        guard zmq_setsockopt(socket, name, &value, MemoryLayout<T>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(label))")
        }
    }

    func setOption(_ name: Int32, bytes: [UInt8], _ label: String) throws {
        let socket = try open("zmq_setsockopt(\(label))")
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(socket, name, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw ZMQError.last("zmq_setsockopt(\(label))") }
    }
}
