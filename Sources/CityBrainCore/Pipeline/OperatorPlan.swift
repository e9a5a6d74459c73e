/// Which window operator each rule and output runs on: steps with the same match, key and window
/// (``OperatorPlan/Signature``) share one operator that aggregates the union of their inputs and
/// computes the union of their aggregates once per window; each step reads its own aggregates
/// from that result.
///
/// A traffic event under the benchmark pipeline's three `tumbling 1m` traffic rules updates one
/// pane instead of three, and `mean(speed_kmh)`, used by two of them, is computed once per window.
/// Silence trackers and per-reading operators are not shared. Pure: the plan is a function of the
/// pipeline's aggregations, so a checkpoint restored under the same pipeline finds the same
/// operators.
struct OperatorPlan: Sendable {
    /// What makes two steps' windows the same windows: the events they take, their key, and the
    /// window with its allowed lateness.
    struct Signature: Hashable, Sendable {
        var filter: EventFilter
        var keyBy: TextField
        var window: WindowPolicy

        init(of aggregation: Aggregation) {
            filter = aggregation.filter
            keyBy = aggregation.keyBy
            window = aggregation.window
        }
    }

    /// One operator and the steps it serves.
    struct Group: Sendable {
        /// The union: every distinct input expression of the members once (with the parts all
        /// their aggregates need), and every distinct (function, input) aggregate once. Its name is its first member's.
        var aggregation: Aggregation
        /// The members in step order.
        var members: [Member]

        var signature: Signature { Signature(of: aggregation) }
    }

    /// A step of a group, and where its aggregates are in the group's results.
    struct Member: Sendable {
        var step: Int
        /// For each of the step's slots, the index of the group's slot holding it; `nil` when they
        /// are the same slots in the same order (a group of one), so the results pass as they are.
        var slots: [Int]?
    }

    private(set) var groups: [Group] = []

    /// Groups `aggregations` (the pipeline's rules, then its outputs) in order of their first member.
    init(_ aggregations: [Aggregation]) {
        var index: [Signature: Int] = [:]
        var members: [[Int]] = []
        for (step, aggregation) in aggregations.enumerated() {
            guard Self.shares(aggregation.window.spec) else {
                members.append([step])
                continue
            }
            let signature = Signature(of: aggregation)
            if let group = index[signature] {
                members[group].append(step)
            } else {
                index[signature] = members.count
                members.append([step])
            }
        }
        groups = members.map { steps in Self.group(of: steps.map { aggregations[$0] }, steps: steps) }
    }

    /// Windows are shared. A silence tracker has nothing to share, and per-reading rules gain
    /// nothing: their operator only hands each reading on, and a shared one would build each
    /// reading's values twice (the group's, then each member's).
    private static func shares(_ spec: WindowSpec) -> Bool {
        switch spec {
        case .tumbling, .sliding, .session: true
        case .silence, .series: false
        }
    }

    private static func group(of aggregations: [Aggregation], steps: [Int]) -> Group {
        if aggregations.count == 1 { return Group(aggregation: aggregations[0], members: [Member(step: steps[0], slots: nil)]) }
        var union = aggregations[0]
        union.inputs = []
        union.slots = []
        var members: [Member] = []
        for (aggregation, step) in zip(aggregations, steps) {
            var inputIndex: [Int] = []
            for layout in aggregation.inputs {
                // One input per expression, with every part any member's aggregates need.
                if let existing = union.inputs.firstIndex(where: { $0.input == layout.input }) {
                    union.inputs[existing].features.formUnion(layout.features)
                    inputIndex.append(existing)
                } else {
                    inputIndex.append(union.inputs.count)
                    union.inputs.append(layout)
                }
            }
            var slotIndex: [Int] = []
            for slot in aggregation.slots {
                let input = inputIndex[slot.input]
                if let existing = union.slots.firstIndex(where: { $0.function == slot.function && $0.input == input }) {
                    slotIndex.append(existing)
                } else {
                    slotIndex.append(union.slots.count)
                    union.slots.append(AggregateSlot(function: slot.function, input: input, name: slot.name))
                }
            }
            members.append(Member(step: step, slots: slotIndex))
        }
        return Group(aggregation: union, members: members)
    }
}

extension Aggregation {
    /// For each of this aggregation's inputs, the index of the input of `previous` with the same
    /// expression, or `nil`: its state starts empty. How windows carried over a reload find
    /// their states (``AggregateArena/remapped(to:inputMap:)``).
    func inputMap(from previous: Aggregation) -> [Int?] {
        inputs.map { layout in previous.inputs.firstIndex { $0.input == layout.input } }
    }
}
