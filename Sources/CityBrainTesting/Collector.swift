import Synchronization

/// A thread-safe list for tests, filled from callbacks on other threads (sinks, receivers,
/// subscribers) and read by the test.
public final class Collector<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])

    public init() {}

    public func append(_ more: [Element]) { items.withLock { $0 += more } }
    public func append(_ item: Element) { items.withLock { $0.append(item) } }
    /// Everything collected so far, in arrival order.
    public var all: [Element] { items.withLock { $0 } }
    public var count: Int { items.withLock { $0.count } }
}
