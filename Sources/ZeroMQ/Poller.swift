import CZeroMQ

/// Waits until one of several sockets can be read (or written), with `zmq_poll`.
///
/// Like the sockets it holds, a poller belongs to one thread.
///
/// ```swift
/// var poller = Poller()
/// poller.add(feed)
/// poller.add(control)
/// let ready = try poller.poll(timeoutMilliseconds: 100)   // indices of readable sockets
/// ```
public struct Poller {
    /// What to wait for on a socket.
    public struct Events: OptionSet, Sendable {
        public let rawValue: Int16
        public init(rawValue: Int16) { self.rawValue = rawValue }
        /// A receive would not block.
        public static let readable = Events(rawValue: Int16(ZMQ_POLLIN))
        /// A send would not block.
        public static let writable = Events(rawValue: Int16(ZMQ_POLLOUT))
    }

    /// The sockets, in the order they were added.
    public private(set) var sockets: [Socket] = []
    private var interests: [Events] = []

    public init() {}

    /// Adds a socket; its index in ``sockets`` identifies it in ``poll(timeoutMilliseconds:)``.
    public mutating func add(_ socket: Socket, for events: Events = .readable) {
        sockets.append(socket)
        interests.append(events)
    }

    /// Waits up to `timeoutMilliseconds` (`-1`: forever) and returns the indices of the sockets
    /// that are ready. An empty result means the timeout expired or a signal interrupted the wait.
    public func poll(timeoutMilliseconds: Int) throws -> [Int] {
        var items = [zmq_pollitem_t]()
        items.reserveCapacity(sockets.count)
        for (socket, events) in zip(sockets, interests) {
            let handle = try socket.withHandle("zmq_poll") { $0 }
            items.append(zmq_pollitem_t(socket: handle, fd: 0, events: events.rawValue, revents: 0))
        }
        let rc = zmq_poll(&items, Int32(items.count), timeoutMilliseconds)
        if rc < 0 {
            let errno = czmq_errno()
            if errno == EINTR { return [] }
            throw ZMQError(errno: errno, operation: "zmq_poll")
        }
        return items.indices.filter { items[$0].revents != 0 }
    }
}
