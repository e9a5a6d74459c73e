import Dispatch

/// Runs a function over submitted items on several threads and hands the results back to the
/// submitting thread in submission order: parallel decoding with the input's order kept.
///
/// At most `limit` items are in flight; ``submit(_:consume:)`` consumes the oldest result (waiting
/// for it) before it takes another, so memory stays bounded whatever the input's size.
/// Not thread-safe: one thread submits and consumes.
final class OrderedWorkPool<Input: Sendable, Output: Sendable> {
    /// One item's result: written by one worker before it signals, read after the wait.
    private final class Slot: @unchecked Sendable {
        var output: Output?
        let done = DispatchSemaphore(value: 0)
    }

    private let queue = DispatchQueue(label: "citybrain.decode", qos: .userInitiated, attributes: .concurrent)
    private let limit: Int
    private let work: @Sendable (Input) -> Output
    private var pending: [Slot] = []
    private var head = 0

    /// - Parameter limit: items in flight at most (a multiple of the threads that should work).
    init(limit: Int, work: @escaping @Sendable (Input) -> Output) {
        precondition(limit > 0, "an ordered work pool needs room for one item")
        self.limit = limit
        self.work = work
    }

    /// Starts `input`; first hands every finished result (in order) to `consume`, waiting for the
    /// oldest while `limit` items are in flight.
    func submit(_ input: Input, consume: (consuming Output) throws -> Void) rethrows {
        while pending.count - head >= limit { try consume(takeOldest(waiting: true)!) }
        let slot = Slot()
        pending.append(slot)
        let work = self.work
        queue.async {
            slot.output = work(input)
            slot.done.signal()
        }
        while let output = takeOldest(waiting: false) { try consume(consume output) }
    }

    /// Waits for every item in flight and hands their results to `consume`, in order.
    func finish(consume: (consuming Output) throws -> Void) rethrows {
        while let output = takeOldest(waiting: true) { try consume(consume output) }
    }

    private func takeOldest(waiting: Bool) -> Output? {
        guard head < pending.count else { return nil }
        let slot = pending[head]
        if waiting { slot.done.wait() } else if slot.done.wait(timeout: .now()) != .success { return nil }
        head += 1
        if head == pending.count || head >= 1024 {
            pending.removeFirst(head)
            head = 0
        }
        // Taken out of the slot, so the consumer holds the only reference and may move from it.
        let output = slot.output
        slot.output = nil
        return output
    }
}
