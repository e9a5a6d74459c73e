import CityBrainCore
import Testing

@Suite("Rule expressions")
struct ExpressionTests {
    @Test("precedence: arithmetic binds tighter than comparison, comparison than not, and, or")
    func precedence() throws {
        let tree = try ExpressionParser.parse("not mean(a) + 1 * 2 < 3 and max(b) >= -4 or count() == 0")
        #expect(tree.canonical == "((not ((mean(a) + (1 * 2)) < 3)) and (max(b) >= -4)) or (count() == 0)")
        #expect(try ExpressionParser.parse("mean( occupied/capacity )").canonical == "mean(occupied / capacity)")
        #expect(try ExpressionParser.parse("a && b || !c").canonical == "(a and b) or (not c)")
    }

    @Test("syntax errors name the problem and the character", arguments: [
        ("mean(speed_kmh) <", "expected a number, a field or a function call, found the end of the expression", 17),
        ("mean(speed_kmh < 20", "expected ')' to close 'mean('", 19),
        ("1 < 2 < 3", "comparisons cannot be chained; join them with 'and'", 6),
        ("mean(x) # 3", "unexpected character '#'", 8),
        ("mean(x) 3", "unexpected number 3 after a complete expression", 8),
    ])
    func syntaxErrors(source: String, message: String, offset: Int) {
        #expect(throws: ExpressionError(message, at: offset)) { try ExpressionParser.parse(source) }
    }

    @Test("compile errors catch unknown aggregates and fields, with suggestions")
    func compileErrors() throws {
        var compiler = ExpressionCompiler(kind: .traffic)
        #expect(throws: ExpressionError("unknown aggregate 'meen', did you mean 'mean'? (aggregates: count, sum, mean, min, max, stddev, stddev_pop, first, last, span, slope, slope_se, p50, p90, p95, p99, distinct)", at: 0)) {
            try compiler.condition(try ExpressionParser.parse("meen(speed_kmh) < 20"))
        }
        #expect(throws: ExpressionError("unknown field 'speed_kph' for kind traffic, did you mean 'speed_kmh'? (known fields: flow_vph, occupancy, speed_kmh, travel_time_s)", at: 5)) {
            try compiler.condition(try ExpressionParser.parse("mean(speed_kph) < 20"))
        }
        #expect(throws: ExpressionError("field 'speed_kmh' must be inside an aggregate, e.g. mean(speed_kmh)", at: 0)) {
            try compiler.condition(try ExpressionParser.parse("speed_kmh < 20"))
        }
        #expect(throws: ExpressionError("expected a comparison such as 'mean(speed_kmh) < 20', found 'mean(speed_kmh)'", at: 0)) {
            try compiler.condition(try ExpressionParser.parse("mean(speed_kmh)"))
        }
        #expect(throws: ExpressionError("aggregate 'max(…)' cannot be nested inside another aggregate", at: 5)) {
            try compiler.condition(try ExpressionParser.parse("mean(max(speed_kmh)) < 1"))
        }
    }

    @Test("aggregates share one input per distinct expression and one slot per spelling")
    func slotSharing() throws {
        var compiler = ExpressionCompiler(kind: .parking)
        let condition = try compiler.condition(try ExpressionParser.parse(
            "mean(occupied / capacity) >= 0.95 and max(occupied/capacity) > 0.9 and mean(occupied / capacity) < 2 and count() > 0"
        ))
        #expect(compiler.inputs.count == 2)
        #expect(compiler.slots.map(\.name) == ["mean(occupied / capacity)", "max(occupied / capacity)", "count()"])
        #expect(condition.evaluate([0.96, 0.97, 5]) == true)
        #expect(condition.evaluate([0.94, 0.97, 5]) == false)
        #expect(condition.evaluate([nil, 0.97, 5]) == false)  // a missing value never satisfies a comparison
    }

    @Test("event expressions skip events that lack a field or divide by zero")
    func eventExpressions() throws {
        let compiler = ExpressionCompiler(kind: .parking)
        let ratio = try compiler.eventExpression(try ExpressionParser.parse("occupied / capacity * 100"))
        let event = Event(kind: .parking, sensor: "g", timestamp: 0, readings: [Reading("occupied", 45), Reading("capacity", 50)])
        #expect(ratio.evaluate(event) == 90)
        #expect(ratio.evaluate(Event(kind: .parking, sensor: "g", timestamp: 0, readings: [Reading("occupied", 45)])) == nil)
        #expect(ratio.evaluate(Event(kind: .parking, sensor: "g", timestamp: 0, readings: [Reading("occupied", 1), Reading("capacity", 0)])) == nil)
    }

    @Test("message templates render fields and aggregates with at most two decimals")
    func messages() throws {
        var compiler = ExpressionCompiler(kind: .traffic)
        let template = try MessageTemplate.parse("{{x}} {rule} on {sensor} ({district}): {mean(speed_kmh)} km/h, {value}/{threshold}", compiler: &compiler)
        let alert = Alert(id: "r:s:1", rule: "slow", state: .raised, severity: .warning, department: "d", key: "seg-1", sensor: "seg-1",
                          district: nil, kind: .traffic, windowStart: 0, windowEnd: 60_000, value: 12.345, threshold: 20, values: [],
                          message: "", ts: 60_000)
        #expect(template.render(alert: alert, values: [12.345]) == "{x} slow on seg-1 (-): 12.35 km/h, 12.35/20")
        #expect(MessageTemplate.format(0.1 + 0.2) == "0.3")
        #expect(MessageTemplate.format(-3.999) == "-4")
        #expect(MessageTemplate.format(1.05) == "1.05")
        #expect(MessageTemplate.format(nil) == "n/a")
        #expect(throws: ExpressionError("unknown placeholder '{sensr}', did you mean 'sensor'?", at: 4)) {
            try MessageTemplate.parse("at {sensr}", compiler: &compiler)
        }
    }
}
