/// The running state of one aggregation input over one window or pane.
///
/// Count, sum, minimum and maximum are always kept, inline (40 bytes with the pointer below);
/// the Welford moments for standard deviations, first/last, trend, quantile sketch and distinct
/// counter live in ``Extras``, allocated only for inputs whose aggregates need them. Every part
/// merges, so panes combine into sliding windows and sessions combine when an event bridges them.
public struct AggregateState: Sendable {
    public private(set) var totals = Totals()
    /// Copy-on-write: a state that shares its parts (a checkpoint captured it) copies them
    /// before its first change, so a captured state never changes under the checkpoint writer.
    private var extras: Extras?

    /// The optional parts. A class so that inputs without them stay small.
    ///
    /// First/last and the trend, which the common rules need (prediction, rate, `last()`), are
    /// held inline; the moments, the quantile sketch and the distinct counter in ``Rare``, made
    /// only for an input whose aggregates need one of them. Holding all five made every state
    /// with a trend 200 bytes (jemalloc's 224-byte class): with sliding windows, six panes per
    /// sensor, that was most of the memory of a million sensors. Now 112.
    final class Extras: @unchecked Sendable {
        var edges = FirstLast()
        var trend = LinearTrend()
        private var rare: Rare?

        /// The parts few aggregates need.
        final class Rare {
            var moments = Moments()
            var sketch = QuantileSketch()
            var distinct = DistinctCounter()

            func copy() -> Rare {
                let copy = Rare()
                copy.moments = moments
                copy.sketch = sketch
                copy.distinct = distinct
                return copy
            }

            /// Back to empty, in place.
            func clear() {
                moments = Moments()
                sketch = QuantileSketch()
                distinct = DistinctCounter()
            }
        }

        /// Parts for `features`: ``Rare`` only if they need variance, a sketch or distinct values.
        init(features: AggregateFeatures) {
            if !features.isDisjoint(with: [.variance, .sketch, .distinct]) { rare = Rare() }
        }

        private init(copying other: Extras) {
            edges = other.edges
            trend = other.trend
            rare = other.rare?.copy()
        }

        /// The rare parts to change, made first when absent (a slot reused for a layout that
        /// needs them, after one that did not).
        private var changingRare: Rare {
            if let rare { return rare }
            let made = Rare()
            rare = made
            return made
        }

        var moments: Moments {
            get { rare?.moments ?? Moments() }
            _modify { yield &changingRare.moments }
        }

        var sketch: QuantileSketch {
            get { rare?.sketch ?? QuantileSketch() }
            _modify { yield &changingRare.sketch }
        }

        var distinct: DistinctCounter {
            get { rare?.distinct ?? DistinctCounter() }
            _modify { yield &changingRare.distinct }
        }

        /// 112 bytes each for these parts and for ``Rare`` (object headers included), plus what
        /// a sketch and a distinct counter hold.
        var byteCount: Int { 112 + (rare.map { 112 + $0.sketch.bucketCount * 24 + $0.distinct.byteCount } ?? 0) }

        /// Back to empty, in place.
        func clear() {
            edges = FirstLast()
            trend = LinearTrend()
            rare?.clear()
        }

        func copy() -> Extras { Extras(copying: self) }
    }

    /// The optional parts, ready to change: copied first when shared.
    @inline(__always)
    private mutating func uniqueExtras() -> Extras? {
        guard extras != nil else { return nil }
        if !isKnownUniquelyReferenced(&extras) { extras = extras!.copy() }
        return extras
    }

    /// A fresh state for `layout`.
    public init(_ layout: InputLayout) {
        if !layout.features.isEmpty { extras = Extras(features: layout.features) }
    }

    /// A state for `layout` keeping what `old`, a state of the same input kept for `features`,
    /// holds: its totals and every part both need. A part only `layout` needs starts empty, so
    /// the aggregates that need it count from now on (a window group whose rules changed at a
    /// reload).
    init(_ layout: InputLayout, carrying old: AggregateState, features: AggregateFeatures) {
        self.init(layout)
        totals = old.totals
        guard let extras, let theirs = old.extras else { return }
        let kept = layout.features.intersection(features)
        if kept.contains(.variance) { extras.moments = theirs.moments }
        if kept.contains(.edges) { extras.edges = theirs.edges }
        if kept.contains(.trend) { extras.trend = theirs.trend }
        if kept.contains(.sketch) { extras.sketch = theirs.sketch }
        if kept.contains(.distinct) { extras.distinct = theirs.distinct }
    }

    /// A state of these totals and no optional parts (a restored plain state).
    init(totals: Totals) {
        self.totals = totals
    }

    /// Readies a free arena slot's state (``clear()`` left it empty) for a new window of
    /// `layout`, reusing its optional parts when it holds them alone, so opening a window
    /// allocates nothing.
    mutating func reset(for layout: InputLayout) {
        totals = Totals()
        if layout.features.isEmpty {
            extras = nil
        } else if extras == nil || !isKnownUniquelyReferenced(&extras) {
            extras = Extras(features: layout.features)
        }
    }

    /// Empties the state and keeps its optional parts for the next window (what a free arena
    /// slot keeps; see ``reset(for:)``).
    mutating func clear() {
        totals = Totals()
        if extras != nil, isKnownUniquelyReferenced(&extras) { extras!.clear() } else { extras = nil }
    }

    /// A state holding nothing, not even the optional parts.
    static let blank = AggregateState(InputLayout(input: .events, features: []))

    /// Approximate bytes held, for the state-size metric.
    public var byteCount: Int { MemoryLayout<AggregateState>.stride + (extras?.byteCount ?? 0) }

    mutating func add(_ event: Event, layout: InputLayout) {
        switch layout.input {
        case .events:
            totals.add(1)
        case .number(let expression):
            guard let value = expression.evaluate(event) else { return }
            totals.add(value)
            if let extras = uniqueExtras() {
                if layout.features.contains(.variance) { extras.moments.add(value) }
                if layout.features.contains(.edges) { extras.edges.add(value, at: event.timestamp) }
                if layout.features.contains(.trend) { extras.trend.add(value, at: event.timestamp) }
                if layout.features.contains(.sketch) { extras.sketch.add(value) }
                if layout.features.contains(.distinct) { extras.distinct.add(value) }
            }
        case .text(let field):
            guard let text = field.value(of: event) else { return }
            totals.add(1)
            uniqueExtras()?.distinct.add(text)
        }
    }

    /// Adds `other`'s inputs, which arrived after this state's.
    mutating func merge(_ other: borrowing AggregateState, layout: InputLayout) {
        totals.merge(other.totals)
        guard let theirs = other.extras, let extras = uniqueExtras() else { return }
        if layout.features.contains(.variance) { extras.moments.merge(theirs.moments) }
        if layout.features.contains(.edges) { extras.edges.merge(theirs.edges) }
        if layout.features.contains(.trend) { extras.trend.merge(theirs.trend) }
        if layout.features.contains(.sketch) { extras.sketch.merge(theirs.sketch) }
        if layout.features.contains(.distinct) { extras.distinct.merge(theirs.distinct) }
    }

    /// The aggregate's value, or `nil` when it has none (no input, or too few values).
    public func value(of function: AggregateFunction) -> Double? {
        if let value = totals.value(of: function) { return value }
        guard totals.count > 0 else { return Self.emptyValue(of: function) }
        return extras?.value(of: function)
    }

    /// An empty state's value of an aggregate the totals do not answer: 0 distinct, else none.
    @inline(__always)
    static func emptyValue(of function: AggregateFunction) -> Double? {
        function == .distinct ? 0 : nil
    }
}

extension AggregateState.Extras {
    /// `function`'s value from the optional parts (of a state with at least one reading); `nil`
    /// for count, sum, mean, min and max, which the totals answer.
    func value(of function: AggregateFunction) -> Double? {
        switch function {
        case .count, .sum, .mean, .min, .max: nil
        case .stddev: moments.sampleStandardDeviation
        case .stddevPopulation: moments.populationStandardDeviation
        case .first: edges.isEmpty ? nil : edges.first
        case .last: edges.isEmpty ? nil : edges.last
        case .span: edges.isEmpty ? nil : Double(edges.lastTime - edges.firstTime) / 1000
        case .slope: trend.slope
        case .slopeStandardError: trend.slopeStandardError
        case .p50, .p90, .p95, .p99: sketch.quantile(function.quantile ?? 0.5)
        case .distinct: distinct.estimate
        }
    }
}

extension AggregateState {
    /// `function`'s value of the state at `state`, read in place: the optional parts are reached
    /// only for an aggregate that needs them. Read as a copy, every state retained its parts,
    /// and when a close reads states in an order other than that of their allocation, those
    /// retains missed the cache (`perf`: 4.7 % of a spread close's CPU).
    ///
    /// The optional parts are reached without a retain too: they are loaded from the state's
    /// memory as an unmanaged reference and used as a guaranteed one. (`state.pointee.value(of:)`
    /// copied the state, retaining its parts, because the compiler cannot prove memory behind a
    /// pointer unchanged during a call; `perf`: 2 % of a run of the bench pipeline.) The state is
    /// not changed while the value is read, so the reference stays valid.
    @inline(__always)
    static func value(of function: AggregateFunction, at state: UnsafePointer<AggregateState>) -> Double? {
        switch function {
        case .count, .sum, .mean, .min, .max:
            return state.pointee.totals.value(of: function)
        default:
            guard state.pointee.totals.count > 0 else { return emptyValue(of: function) }
            let extras = UnsafeRawPointer(state).load(fromByteOffset: extrasOffset, as: Unmanaged<Extras>?.self)
            return extras?._withUnsafeGuaranteedRef { $0.value(of: function) }
        }
    }

    /// Where ``extras`` lies in a state: an optional class reference, laid out as an optional
    /// `Unmanaged` of it.
    private static let extrasOffset = MemoryLayout<AggregateState>.offset(of: \.extras)!
}

/// Count, sum, minimum and maximum: 32 bytes that answer count, sum, mean, min and max.
public struct Totals: Sendable, Hashable {
    /// The value of count, sum, mean, min or max; `nil` for an empty window (but its count) and
    /// for every other aggregate.
    @inline(__always)
    func value(of function: AggregateFunction) -> Double? {
        switch function {
        case .count: Double(count)
        case .sum: count > 0 ? sum : nil
        case .mean: count > 0 ? sum / Double(count) : nil
        case .min: count > 0 ? minimum : nil
        case .max: count > 0 ? maximum : nil
        default: nil
        }
    }

    public private(set) var count: Int = 0
    public private(set) var sum: Double = 0
    public private(set) var minimum: Double = .infinity
    public private(set) var maximum: Double = -.infinity

    public init() {}

    public mutating func add(_ value: Double) {
        count += 1
        sum += value
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
    }

    public mutating func merge(_ other: Totals) {
        count += other.count
        sum += other.sum
        minimum = Swift.min(minimum, other.minimum)
        maximum = Swift.max(maximum, other.maximum)
    }
}

/// 32 bytes without padding: its memory is its encoding.
extension Totals: CheckpointTrivial {
    public func write(to writer: inout CheckpointWriter) {
        writer.write(count)
        writer.write(sum)
        writer.write(minimum)
        writer.write(maximum)
    }

    public init(from reader: inout CheckpointReader) throws(CheckpointError) {
        count = try reader.read()
        sum = try reader.read()
        minimum = try reader.read()
        maximum = try reader.read()
    }
}

extension AggregateState {
    /// Writes the totals and, when present, the optional parts `features` uses (the only ones
    /// the state ever changes).
    func write(to writer: inout CheckpointWriter, features: AggregateFeatures) {
        writer.write(totals)
        writer.write(extras != nil)
        guard let extras else { return }
        if features.contains(.variance) { writer.write(extras.moments) }
        if features.contains(.edges) { writer.write(extras.edges) }
        if features.contains(.trend) { writer.write(extras.trend) }
        if features.contains(.sketch) { writer.write(extras.sketch) }
        if features.contains(.distinct) { writer.write(extras.distinct) }
    }

    /// Reads what ``write(to:features:)`` wrote for the same `features`.
    init(from reader: inout CheckpointReader, features: AggregateFeatures) throws(CheckpointError) {
        totals = try reader.read()
        guard try reader.read(Bool.self) else { return }
        let extras = Extras(features: features)
        if features.contains(.variance) { extras.moments = try reader.read() }
        if features.contains(.edges) { extras.edges = try reader.read() }
        if features.contains(.trend) { extras.trend = try reader.read() }
        if features.contains(.sketch) { extras.sketch = try reader.read() }
        if features.contains(.distinct) { extras.distinct = try reader.read() }
        self.extras = extras
    }
}
