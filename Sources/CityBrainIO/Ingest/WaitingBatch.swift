import CityBrainCore

/// The readings the ingest loop accepted and has not yet handed to the engine, in arrival order.
///
/// Normally a batch fills to the batch size and goes at once. While the engine is full, a SUB
/// feed's readings keep arriving and wait here (up to the shedder's bound); when room comes back
/// they are handed on from the front in parts no larger than the batch size, so the engine's
/// bound of batches in flight is also a bound of events in flight.
struct WaitingBatch {
    private(set) var events: [Event] = []
    /// How many of `events`, from the front, the engine took already.
    private(set) var handedOn = 0

    init(capacity: Int) {
        events.reserveCapacity(capacity)
    }

    /// Readings not yet handed on.
    var count: Int { events.count - handedOn }
    var isEmpty: Bool { count == 0 }
    /// The readings not yet handed on.
    var waiting: ArraySlice<Event> { events[handedOn...] }

    mutating func append(_ event: consuming Event) {
        events.append(event)
    }

    /// The next part to hand on, at most `limit` readings: the range of `events`, and the
    /// readings (the whole array when it is all of it, so the common case copies nothing).
    func nextPart(limit: Int) -> (range: Range<Int>, events: [Event]) {
        let range = handedOn..<min(events.count, handedOn + limit)
        return (range, range == events.indices ? events : Array(events[range]))
    }

    /// The engine took `range` (the last ``nextPart(limit:)``). Returns how many readings were
    /// dropped from the front of the array (their frames go from the ``FrameLog`` too), 0 when
    /// none were or all were (then the caller empties the frame log).
    @discardableResult
    mutating func took(_ range: Range<Int>) -> Int {
        precondition(range.lowerBound == handedOn, "parts are handed on in order")
        handedOn = range.upperBound
        if handedOn == events.count {
            events.removeAll(keepingCapacity: true)
            handedOn = 0
            return 0
        } else if handedOn >= events.count - handedOn {
            // While the engine stays full readings keep arriving behind the ones handed on, so
            // the array would never empty: the front is dropped once it is at least half, which
            // moves each reading at most once on average and bounds the array by twice the
            // readings waiting.
            events.removeFirst(handedOn)
            defer { handedOn = 0 }
            return handedOn
        }
        return 0
    }
}
