import Foundation
import Yams

// Window outputs, and the `match` filter and `window` policy they share with rules.
extension PipelineFileReader {
    mutating func output(_ node: Node) -> WindowOutput? {
        guard let mapping = node.mapping else {
            error(at: node, "each output must be a mapping starting with 'name:'")
            return nil
        }
        let before = diagnostics.count
        checkKeys(mapping, allowed: Self.outputKeys, in: "output")
        let header = header(mapping, node: node, context: "output")
        let description = string(mapping["description"], field: "description")
        let context = header.map { "output '\($0.name)'" } ?? "output"
        guard let aggregatesNode = mapping["aggregates"] else {
            error(at: node, "\(context) is missing required field 'aggregates' (e.g. aggregates: [mean(speed_kmh), p95(speed_kmh)])")
            return nil
        }
        let items = list(aggregatesNode, field: "aggregates", item: "aggregate")
        guard let filter = header?.filter else { return nil }
        var compiler = ExpressionCompiler(kind: filter.kind, declaredFields: declared[filter.kind] ?? [])
        _ = try? compiler.numeric(.call("count", arguments: [], at: 0))  // slot 0: the window's event count
        for item in items {
            guard let text = string(item, field: "aggregates") else { continue }
            do throws(ExpressionError) {
                let tree = try ExpressionParser.parse(text)
                guard case .call = tree else {
                    throw ExpressionError("an output aggregate must be an aggregate call such as mean(speed_kmh), found '\(tree.canonical)'", at: 0)
                }
                _ = try compiler.numeric(tree)
            } catch {
                self.error(at: item, error.message, columnOffset: offset(error.offset, in: item))
            }
        }
        if items.isEmpty { error(at: aggregatesNode, "'aggregates' must list at least one aggregate") }
        guard diagnostics.count == before, let header, let window = header.window else { return nil }
        let aggregation = Aggregation(name: header.name, filter: filter, keyBy: header.keyBy, window: window,
                                      inputs: compiler.inputs, slots: compiler.slots)
        return WindowOutput(aggregation: aggregation, description: description)
    }

    mutating func eventFilter(_ node: Node?, parent: Node, context: String) -> EventFilter? {
        guard let node else {
            error(at: parent, "\(context) is missing required field 'match' (e.g. match: { kind: traffic })")
            return nil
        }
        guard let mapping = mapping(node, field: "match") else { return nil }
        checkKeys(mapping, allowed: ["kind", "district", "sensor_prefix"], in: "match")
        guard let kindText = required(mapping["kind"], field: "kind", in: node, context: "match"), let kindNode = mapping["kind"] else {
            return nil
        }
        guard let kind = knownKind(kindText, at: kindNode, usedIn: "in 'match'") else { return nil }
        var filter = EventFilter(kind: kind)
        if let districtNode = mapping["district"] {
            if let list = districtNode.sequence {
                filter.districts = Set(list.compactMap { string($0, field: "district") })
            } else if let one = string(districtNode, field: "district") {
                filter.districts = [one]
            }
        }
        filter.sensorPrefix = string(mapping["sensor_prefix"], field: "sensor_prefix")
        return filter
    }

    mutating func windowPolicy(_ node: Node?, parent: Node, context: String) -> WindowPolicy? {
        guard let node else {
            error(at: parent, "\(context) is missing required field 'window' (e.g. window: { tumbling: 1m })")
            return nil
        }
        guard let mapping = mapping(node, field: "window") else { return nil }
        let kinds = ["tumbling", "sliding", "session"]
        checkKeys(mapping, allowed: kinds + ["allowed_lateness"], in: "window")
        let given = kinds.filter { mapping[$0] != nil }
        guard given.count == 1 else {
            error(at: node, given.isEmpty
                ? "window needs one of 'tumbling: <duration>', 'sliding: { size: <duration>, slide: <duration> }' or 'session: { gap: <duration> }'"
                : "window has both '\(given[0])' and '\(given[1])'; give one")
            return nil
        }
        let lateness = mapping["allowed_lateness"].flatMap { duration($0, field: "allowed_lateness", allowZero: true) } ?? 0
        switch given[0] {
        case "tumbling":
            return duration(mapping["tumbling"], field: "tumbling").map { WindowPolicy(.tumbling(size: $0), allowedLateness: lateness) }
        case "sliding":
            guard let slidingNode = mapping["sliding"], let sliding = self.mapping(slidingNode, field: "sliding") else { return nil }
            checkKeys(sliding, allowed: ["size", "slide"], in: "sliding window")
            guard let size = duration(sliding["size"], field: "size"), let slide = duration(sliding["slide"], field: "slide") else {
                if sliding["size"] == nil || sliding["slide"] == nil { error(at: slidingNode, "a sliding window needs 'size' and 'slide', e.g. { size: 5m, slide: 1m }") }
                return nil
            }
            guard slide <= size else {
                error(at: sliding["slide"] ?? slidingNode, "slide \(DurationText.format(slide)) is longer than size \(DurationText.format(size)); events between windows would be lost")
                return nil
            }
            guard size / PaneWindowOperator.gcd(size, slide) <= 1_000 else {
                error(at: slidingNode, "size \(DurationText.format(size)) and slide \(DurationText.format(slide)) need more than 1000 panes per window; make the slide divide the size")
                return nil
            }
            return WindowPolicy(.sliding(size: size, slide: slide), allowedLateness: lateness)
        default:
            guard let sessionNode = mapping["session"], let session = self.mapping(sessionNode, field: "session") else { return nil }
            checkKeys(session, allowed: ["gap", "max_length"], in: "session window")
            guard let gap = duration(session["gap"], field: "gap") else {
                if session["gap"] == nil { error(at: sessionNode, "a session window needs 'gap', e.g. { gap: 2m }") }
                return nil
            }
            var maxLength: Int64?
            if let maxNode = session["max_length"] {
                guard let value = duration(maxNode, field: "max_length") else { return nil }
                maxLength = value
            }
            return WindowPolicy(.session(gap: gap, maxLength: maxLength), allowedLateness: lateness)
        }
    }
}
