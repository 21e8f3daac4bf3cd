import Testing

@testable import KindredLearning

@Suite struct SeededGeneratorTests {
    @Test func theSameSeedGivesTheSameNumbers() {
        var a = SeededGenerator(seed: 7)
        var b = SeededGenerator(seed: 7)
        var c = SeededGenerator(seed: 8)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
    }

    @Test func unitDrawsAreUniformAndIntegerDrawsStayInRange() {
        var random = SeededGenerator(seed: 1)
        var sum = 0.0
        var buckets = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 {
            let u = random.nextUnit()
            #expect(u >= 0 && u < 1)
            sum += u
            buckets[random.nextInt(below: 10)] += 1
        }
        #expect(abs(sum / 100_000 - 0.5) < 0.01)
        #expect(buckets.allSatisfy { abs($0 - 10_000) < 500 })
    }

    @Test func gaussianDrawsHaveUnitVariance() {
        var random = SeededGenerator(seed: 3)
        let draws = (0..<50_000).map { _ in random.nextGaussian() }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count)
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.03)
    }
}

@Suite struct AliasTableTests {
    @Test func drawsFollowTheWeights() {
        // Weights 1:2:3:4 give probabilities 0.1, 0.2, 0.3, 0.4.
        let table = AliasTable(weights: [1, 2, 3, 4])
        var random = SeededGenerator(seed: 11)
        var counts = [0, 0, 0, 0]
        for _ in 0..<200_000 { counts[table.sample(using: &random)] += 1 }
        for (index, expected) in [0.1, 0.2, 0.3, 0.4].enumerated() {
            #expect(abs(Double(counts[index]) / 200_000 - expected) < 0.005)
        }
    }

    @Test func zeroWeightsAreNeverDrawn() {
        let table = AliasTable(weights: [0, 5, 0, 1])
        var random = SeededGenerator(seed: 5)
        for _ in 0..<10_000 {
            let drawn = table.sample(using: &random)
            #expect(drawn == 1 || drawn == 3)
        }
    }
}
