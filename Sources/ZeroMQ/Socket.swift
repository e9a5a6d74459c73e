import CZeroMQ

/// One ZeroMQ socket.
///
/// A socket is **not** thread-safe: create it on the thread or serial queue that will use it, and
/// use it only there (a serial `DispatchQueue` is fine: its blocks are ordered by full memory
/// barriers, which is what libzmq requires when a socket migrates between threads).
/// Every failure is thrown as ``ZMQError``; using a closed socket throws rather than crashing.
///
/// ```swift
/// let context = try Context()
/// let pull = try Socket(context, .pull)
/// try pull.bind("tcp://127.0.0.1:*")
/// let endpoint = try pull.lastEndpoint   // the port libzmq chose
/// ```
public final class Socket {
    /// The socket pattern.
    public let type: SocketType
    /// Kept so that the context outlives the socket.
    public let context: Context
    private var handle: UnsafeMutableRawPointer?

    /// Creates a socket of `type` in `context`.
    public init(_ context: Context, _ type: SocketType) throws {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("zmq_socket(\(type))")
        }
        self.context = context
        self.type = type
        self.handle = handle
    }

    deinit { close() }

    /// Closes the socket. Pending outgoing frames are kept for at most ``linger`` milliseconds.
    /// Closing twice is harmless.
    public func close() {
        if let handle {
            zmq_close(handle)
            self.handle = nil
        }
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { handle == nil }

    func open(_ operation: @autoclosure () -> String) throws -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError.closed(operation()) }
        return handle
    }

    // MARK: Endpoints

    /// Binds to a local endpoint such as `tcp://*:5556`, `tcp://127.0.0.1:*`, `ipc:///tmp/feed`
    /// or `inproc://feed`.
    public func bind(_ endpoint: String) throws {
        let socket = try open("zmq_bind(\(endpoint))")
        guard zmq_bind(socket, endpoint) == 0 else { throw ZMQError.last("zmq_bind(\(endpoint))") }
    }

    /// Connects to a remote endpoint; libzmq reconnects by itself if the peer goes away.
    public func connect(_ endpoint: String) throws {
        let socket = try open("zmq_connect(\(endpoint))")
        guard zmq_connect(socket, endpoint) == 0 else { throw ZMQError.last("zmq_connect(\(endpoint))") }
    }

    /// Undoes ``bind(_:)``.
    public func unbind(_ endpoint: String) throws {
        let socket = try open("zmq_unbind(\(endpoint))")
        guard zmq_unbind(socket, endpoint) == 0 else { throw ZMQError.last("zmq_unbind(\(endpoint))") }
    }

    /// Undoes ``connect(_:)``.
    public func disconnect(_ endpoint: String) throws {
        let socket = try open("zmq_disconnect(\(endpoint))")
        guard zmq_disconnect(socket, endpoint) == 0 else {
            throw ZMQError.last("zmq_disconnect(\(endpoint))")
        }
    }

    // MARK: Sending

    /// Sends one frame. Returns `false` if `dontWait` is set and the frame could not be queued
    /// now (`EAGAIN`), or if a send timeout expired.
    /// - Parameter more: another frame of the same message follows.
    @discardableResult
    public func send(_ bytes: some Collection<UInt8>, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        let socket = try open("zmq_send")
        var flags: Int32 = 0
        if more { flags |= ZMQ_SNDMORE }
        if dontWait { flags |= ZMQ_DONTWAIT }
        while true {
            let rc: Int32 = bytes.withContiguousStorageIfAvailable { buffer in
                zmq_send(socket, buffer.baseAddress, buffer.count, flags)
            } ?? Array(bytes).withUnsafeBytes { buffer in
                zmq_send(socket, buffer.baseAddress, buffer.count, flags)
            }
            if rc >= 0 { return true }
            let errno = czmq_errno()
            if errno == EINTR { continue }
            if errno == EAGAIN { return false }
            throw ZMQError(errno: errno, operation: "zmq_send")
        }
    }

    /// Sends one frame from raw memory, without a generic collection in between (the load
    /// generator's hot path). Same results as ``send(_:more:dontWait:)``.
    @discardableResult
    public func send(raw buffer: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        let socket = try open("zmq_send")
        var flags: Int32 = 0
        if more { flags |= ZMQ_SNDMORE }
        if dontWait { flags |= ZMQ_DONTWAIT }
        while true {
            if zmq_send(socket, buffer.baseAddress, buffer.count, flags) >= 0 { return true }
            let errno = czmq_errno()
            if errno == EINTR { continue }
            if errno == EAGAIN { return false }
            throw ZMQError(errno: errno, operation: "zmq_send")
        }
    }

    /// Sends a string as one UTF-8 frame.
    @discardableResult
    public func send(_ string: String, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        try send(Array(string.utf8), more: more, dontWait: dontWait)
    }

    /// Sends every frame of `message` as one atomic multipart message.
    /// Returns `false` if `dontWait` is set and the first frame could not be queued.
    @discardableResult
    public func send(_ message: Message, dontWait: Bool = false) throws -> Bool {
        guard !message.frames.isEmpty else {
            throw ZMQError(errno: EINVAL, operation: "zmq_send(empty multipart message)")
        }
        for (index, frame) in message.frames.enumerated() {
            let last = index == message.frames.count - 1
            // Once the first frame is queued, the rest of the message is always accepted.
            let queued = try send(frame, more: !last, dontWait: dontWait && index == 0)
            if !queued { return false }
        }
        return true
    }

    // MARK: Receiving

    /// Receives one frame and hands its bytes to `body` without copying them.
    ///
    /// Returns `nil` when nothing arrived: `dontWait` with an empty queue, or ``receiveTimeout``
    /// expired. `more` tells whether another frame of the same message follows.
    public func receiveFrame<Result>(
        dontWait: Bool = false,
        _ body: (_ bytes: UnsafeRawBufferPointer, _ more: Bool) throws -> Result
    ) throws -> Result? {
        let socket = try open("zmq_msg_recv")
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while zmq_msg_recv(&message, socket, dontWait ? ZMQ_DONTWAIT : 0) < 0 {
            let errno = czmq_errno()
            if errno == EINTR { continue }
            if errno == EAGAIN { return nil }
            throw ZMQError(errno: errno, operation: "zmq_msg_recv")
        }
        let more = zmq_msg_more(&message) != 0
        let bytes = UnsafeRawBufferPointer(start: zmq_msg_data(&message), count: zmq_msg_size(&message))
        return try body(bytes, more)
    }

    /// Receives one frame as bytes, or `nil` if nothing arrived (see ``receiveFrame(dontWait:_:)``).
    public func receive(dontWait: Bool = false) throws -> (bytes: [UInt8], more: Bool)? {
        try receiveFrame(dontWait: dontWait) { bytes, more in (Array(bytes), more) }
    }

    /// Receives a whole multipart message, or `nil` if nothing arrived.
    ///
    /// Frames of one message arrive together, so once the first is here the rest are read
    /// without waiting.
    public func receiveMessage(dontWait: Bool = false) throws -> Message? {
        guard let first = try receive(dontWait: dontWait) else { return nil }
        var frames = [first.bytes]
        var more = first.more
        while more {
            guard let next = try receive() else {
                throw ZMQError(errno: EPROTO, operation: "zmq_msg_recv(frame \(frames.count + 1) missing)")
            }
            frames.append(next.bytes)
            more = next.more
        }
        return Message(frames: frames)
    }

    /// Reads and discards the remaining frames of the current message; returns how many.
    @discardableResult
    public func discardRemainingFrames() throws -> Int {
        var count = 0
        while try hasMoreFrames {
            _ = try receiveFrame { _, _ in () }
            count += 1
        }
        return count
    }

    /// Whether the last frame received is followed by another of the same message (`ZMQ_RCVMORE`).
    public var hasMoreFrames: Bool {
        get throws { try option(ZMQ_RCVMORE, as: Int32.self, "ZMQ_RCVMORE") != 0 }
    }

    /// Whether a receive would succeed right now (`ZMQ_EVENTS` has `ZMQ_POLLIN`).
    public var canReceive: Bool {
        get throws { try option(ZMQ_EVENTS, as: Int32.self, "ZMQ_EVENTS") & Int32(ZMQ_POLLIN) != 0 }
    }

    /// Whether a send would succeed right now (`ZMQ_EVENTS` has `ZMQ_POLLOUT`).
    public var canSend: Bool {
        get throws { try option(ZMQ_EVENTS, as: Int32.self, "ZMQ_EVENTS") & Int32(ZMQ_POLLOUT) != 0 }
    }

    /// Runs `body` with the raw handle, for ``Poller``.
    func withHandle<R>(_ operation: String, _ body: (UnsafeMutableRawPointer) throws -> R) throws -> R {
        try body(try open(operation))
    }
}
