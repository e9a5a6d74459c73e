/// A closure behind a reference, for keeping in a `Mutex`.
///
/// Swift 6.3 wraps a closure stored directly in a `Mutex`'s value (alone as an optional, or in a
/// tuple or struct) in one more reabstraction thunk on every `withLock` that touches it, and
/// keeps the wrapped one. A handler read once per batch so grows a chain of thunks until
/// calling it overflows the stack: a live pipeline crashed after about 17 000 batches that way.
/// A `Mutex` holding a reference to this box leaves the closure as it was.
final class ClosureBox<Function: Sendable>: Sendable {
    let function: Function

    init(_ function: Function) {
        self.function = function
    }
}
