import CityBrainCore
import Testing

@Suite("Aggregates against brute force")
struct AggregateTests {
    @Test("moments: Welford mean and standard deviations; merging halves equals adding all", arguments: [1, 2, 3, 1_000] as [UInt64])
    func moments(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let values = (0..<Int(seed % 500 + 2)).map { _ in Double.random(in: -1e6...1e6, using: &random) + 1.7e9 }
        var all = Moments()
        values.forEach { all.add($0) }
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        #expect(all.count == values.count)
        #expect(close(all.mean, mean))
        #expect(close(all.sampleStandardDeviation, (squares / Double(values.count - 1)).squareRoot(), tolerance: 1e-6))
        #expect(close(all.populationStandardDeviation, (squares / Double(values.count)).squareRoot(), tolerance: 1e-6))
        #expect(all.minimum == values.min())
        #expect(all.maximum == values.max())
        var left = Moments(), right = Moments()
        let split = values.count / 3
        values[..<split].forEach { left.add($0) }
        values[split...].forEach { right.add($0) }
        left.merge(right)
        #expect(left.count == all.count)
        #expect(close(left.mean, all.mean))
        #expect(close(left.m2, all.m2, tolerance: 1e-6))
        #expect(left.minimum == all.minimum && left.maximum == all.maximum)
    }

    @Test("first and last follow event time, ties by arrival")
    func firstLast() {
        var edges = FirstLast()
        #expect(edges.isEmpty)
        edges.add(2, at: 200)
        edges.add(1, at: 100)
        edges.add(3, at: 300)
        edges.add(4, at: 300)   // tie: the later arrival is last
        edges.add(0, at: 100)   // tie: the earlier arrival stays first
        #expect(edges.first == 1 && edges.last == 4)
        var later = FirstLast()
        later.add(9, at: 50)
        edges.merge(later)
        #expect(edges.first == 9 && edges.firstTime == 50)
    }

    @Test("slope is the least-squares fit per second, stable at epoch magnitudes and mergeable")
    func slope() {
        var trend = LinearTrend()
        // speed falls 0.5 km/h per second from 60, with alternating noise that cancels out
        for second in 0..<60 {
            let noise = second % 2 == 0 ? 0.25 : -0.25
            trend.add(60 - 0.5 * Double(second) + noise, at: 1_732_269_600_000 + Int64(second) * 1000)
        }
        let times: [Double] = (0..<60).map(Double.init)
        let values: [Double] = times.map { (t: Double) -> Double in 60 - 0.5 * t + (Int(t) % 2 == 0 ? 0.25 : -0.25) }
        let meanT = times.reduce(0, +) / 60
        let meanX = values.reduce(0, +) / 60
        var covariance = 0.0, variance = 0.0
        for (t, x) in zip(times, values) {
            covariance += (t - meanT) * (x - meanX)
            variance += (t - meanT) * (t - meanT)
        }
        let exact = covariance / variance
        #expect(close(trend.slope, exact, tolerance: 1e-7))
        var a = LinearTrend(), b = LinearTrend()
        for second in 0..<60 {
            let value = 60 - 0.5 * Double(second) + (second % 2 == 0 ? 0.25 : -0.25)
            if second < 25 { a.add(value, at: 1_732_269_600_000 + Int64(second) * 1000) } else { b.add(value, at: 1_732_269_600_000 + Int64(second) * 1000) }
        }
        a.merge(b)
        #expect(close(a.slope, exact, tolerance: 1e-7))
        var flat = LinearTrend()
        flat.add(1, at: 0)
        flat.add(2, at: 0)
        #expect(flat.slope == nil)
    }

    @Test("the slope's standard error is the textbook one, merges, and needs three readings")
    func slopeStandardError() {
        let start: Int64 = 1_732_269_600_000
        let times: [Double] = [0, 7, 15, 31, 42, 58, 60, 75, 90, 119]
        let values: [Double] = [50, 48.5, 47.9, 44, 43.8, 40.1, 41, 37.2, 35.5, 29.9]
        // √(Σ residual² / (n − 2) / Σ (t − mean t)²), from the definitions.
        let meanT = times.reduce(0, +) / 10, meanX = values.reduce(0, +) / 10
        let stt = times.reduce(0) { $0 + ($1 - meanT) * ($1 - meanT) }
        let stx = zip(times, values).reduce(0) { $0 + ($1.0 - meanT) * ($1.1 - meanX) }
        let slope = stx / stt
        let residuals = zip(times, values).reduce(0) { sum, point in
            let residual = point.1 - meanX - slope * (point.0 - meanT)
            return sum + residual * residual
        }
        let exact = (residuals / 8 / stt).squareRoot()
        var whole = LinearTrend(), early = LinearTrend(), late = LinearTrend()
        for (time, value) in zip(times, values) {
            let milliseconds = start + Int64(time * 1000)
            whole.add(value, at: milliseconds)
            if time < 40 { early.add(value, at: milliseconds) } else { late.add(value, at: milliseconds) }
        }
        #expect(close(whole.slopeStandardError, exact, tolerance: 1e-9))
        early.merge(late)
        #expect(close(early.slopeStandardError, exact, tolerance: 1e-9))
        // Two readings always lie on a line: no standard error; three on one have none to speak of.
        var two = LinearTrend()
        two.add(1, at: start)
        two.add(5, at: start + 1000)
        #expect(two.slopeStandardError == nil)
        two.add(9, at: start + 2000)
        #expect(close(two.slopeStandardError, 0, tolerance: 1e-9))
    }

    @Test("quantiles are within the sketch's 1 % relative error of the exact rank value", arguments: [7, 8, 9] as [UInt64])
    func quantiles(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var values: [Double] = []
        for _ in 0..<5_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0: values.append(0)
            case 1: values.append(-Double.random(in: 0.01...500, using: &random))
            default: values.append(Foundation.exp(Double.random(in: -3...8, using: &random)))
            }
        }
        var sketch = QuantileSketch(), left = QuantileSketch(), right = QuantileSketch()
        for (index, value) in values.enumerated() {
            sketch.add(value)
            if index % 2 == 0 { left.add(value) } else { right.add(value) }
        }
        left.merge(right)
        let sorted = values.sorted()
        for q in [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1] {
            let exact = sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
            for estimate in [try #require(sketch.quantile(q)), try #require(left.quantile(q))] {
                #expect(abs(estimate - exact) <= QuantileSketch.relativeAccuracy * abs(exact) + 1e-12, "q=\(q): \(estimate) vs \(exact)")
            }
        }
        #expect(QuantileSketch().quantile(0.5) == nil)
    }

    @Test("distinct counts are exact up to 2048 values and within 2 % beyond", arguments: [10, 2_048, 2_049, 5_000, 40_000, 200_000])
    func distinct(count: Int) {
        var counter = DistinctCounter(), left = DistinctCounter(), right = DistinctCounter()
        for index in 0..<count {
            let id = "seg-\(index)"
            counter.add(id)
            counter.add(id)  // repeats do not count
            if index % 3 == 0 { left.add(id) } else { right.add(id) }
        }
        left.merge(right)
        for estimate in [counter.estimate, left.estimate] {
            if count <= 2_048 {
                #expect(estimate == Double(count))
            } else {
                #expect(abs(estimate - Double(count)) / Double(count) <= 0.02, "\(estimate) for \(count)")
            }
        }
    }
}

import Foundation
