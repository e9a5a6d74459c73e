import CZeroMQ

/// An error reported by libzmq: the `errno` it set and the operation that failed.
///
/// ```swift
/// do { try socket.bind("tcp://127.0.0.1:5556") }
/// catch let error as ZMQError where error.errno == EADDRINUSE { … }
/// ```
public struct ZMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The `errno` value libzmq reported (`zmq_errno()`).
    public let errno: Int32
    /// The libzmq call or wrapper operation that failed, with its argument where useful,
    /// e.g. `zmq_bind(tcp://127.0.0.1:5556)`.
    public let operation: String

    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
    }

    /// Captures `zmq_errno()` right after a failed call.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(errno: czmq_errno(), operation: operation)
    }

    /// libzmq's text for the error number (`zmq_strerror`).
    public var reason: String { String(cString: zmq_strerror(errno)) }

    public var description: String { "\(operation): \(reason) (errno \(errno))" }

    /// The context was terminated while the call was blocked or pending.
    public var isContextTerminated: Bool { errno == ETERM }

    /// Thrown when a closed socket is used.
    static func closed(_ operation: String) -> ZMQError {
        ZMQError(errno: ENOTSOCK, operation: operation)
    }
}
