import CZeroMQ

/// A libzmq context: the container for sockets and the I/O threads that serve them.
///
/// A context is thread-safe, so it may be shared freely. Each ``Socket`` keeps its context alive;
/// the context is terminated (`zmq_ctx_term`) when the last reference to it goes away, which is
/// after every socket has been closed, so termination never blocks on a forgotten socket.
public final class Context: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    /// Creates a context.
    /// - Parameter ioThreads: libzmq I/O threads (`ZMQ_IO_THREADS`); one handles about a gigabyte
    ///   per second of traffic.
    public init(ioThreads: Int32 = 1) throws {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) != 0 {
            let error = ZMQError.last("zmq_ctx_set(ZMQ_IO_THREADS, \(ioThreads))")
            zmq_ctx_term(handle)
            throw error
        }
    }

    /// Makes every blocking call on this context's sockets return `ETERM` at once.
    /// Sockets must still be closed before the context can be freed.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    deinit {
        // Retry on EINTR: a signal must not leak the context.
        while zmq_ctx_term(handle) != 0 && czmq_errno() == EINTR {}
    }

    /// The libzmq library version, e.g. `(4, 3, 4)`.
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether libzmq was built with a capability such as `"curve"` or `"ipc"`.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }
}
