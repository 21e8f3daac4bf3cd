import Testing

@testable import KindredLearning

/// Epsilon-greedy slates: the probabilities they log are the probabilities they act with.
@Suite struct EpsilonGreedySlateTests {
    @Test func withoutExplorationTheSlateIsTheRankingWithCertainty() {
        let slots = EpsilonGreedySlate(epsilon: 0).decide(poolSize: 6, count: 4, seed: 9)
        #expect(slots.map(\.poolIndex) == [0, 1, 2, 3])
        #expect(slots.allSatisfy { $0.probability == 1 && !$0.explored })
        #expect(EpsilonGreedySlate(epsilon: 0.5).decide(poolSize: 0, count: 4, seed: 9).isEmpty)
        #expect(EpsilonGreedySlate(epsilon: 0.5).decide(poolSize: 3, count: 0, seed: 9).isEmpty)
        #expect(EpsilonGreedySlate(epsilon: 0.5).decide(poolSize: 2, count: 5, seed: 9).count == 2, "no more places than pool")
    }

    /// With epsilon 0.3 and 5 items unplaced, the model's choice has 0.7 + 0.3/5 = 0.76 and each
    /// other item 0.3/5 = 0.06; positions before the first explorable one are certain.
    @Test func eachPlacesProbabilityIsTheFormula() {
        let policy = EpsilonGreedySlate(epsilon: 0.3, firstPosition: 2)
        for seed in UInt64(0)..<200 {
            let slots = policy.decide(poolSize: 6, count: 3, seed: seed)
            #expect(slots[0].poolIndex == 0 && slots[0].probability == 1 && slots[0].remaining == 6)
            for slot in slots.dropFirst() {
                let unplaced = (0..<6).filter { index in !slots.prefix { $0 != slot }.contains { $0.poolIndex == index } }
                let best = unplaced.min()!
                let expected = (slot.poolIndex == best ? 0.7 : 0) + 0.3 / Double(unplaced.count)
                #expect(abs(slot.probability - expected) < 1e-15)
                #expect(slot.remaining == unplaced.count)
                if !slot.explored { #expect(slot.poolIndex == best) }
            }
        }
    }

    @Test func theSameSeedReplaysTheSameDecision() {
        let policy = EpsilonGreedySlate(epsilon: 0.5)
        let seed = EpsilonGreedySlate.seed(requestID: "9b2f4c7e-0d1a-4e55-8c3b-6f7a8e9d0c1b")
        #expect(policy.decide(poolSize: 30, count: 10, seed: seed) == policy.decide(poolSize: 30, count: 10, seed: seed))
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector).
        #expect(EpsilonGreedySlate.seed(requestID: "a") == 0xaf63_dc4c_8601_ec8c)
        #expect(EpsilonGreedySlate.seed(requestID: "") == 0xcbf2_9ce4_8422_2325)
    }

    /// Drawn over many seeds, each whole slate turns up as often as the product of the
    /// probabilities logged for its places: a wrong propensity would show here.
    @Test func slatesTurnUpAsOftenAsTheirLoggedProbabilitySays() {
        let policy = EpsilonGreedySlate(epsilon: 0.4)
        let draws = 40_000
        var counts: [[Int]: Int] = [:]
        var logged: [[Int]: Double] = [:]
        for seed in 0..<draws {
            let slots = policy.decide(poolSize: 4, count: 2, seed: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15)
            let slate = slots.map(\.poolIndex)
            counts[slate, default: 0] += 1
            let probability = slots.reduce(1.0) { $0 * $1.probability }
            if let earlier = logged[slate] { #expect(abs(earlier - probability) < 1e-15, "one slate, one probability") }
            logged[slate] = probability
        }
        #expect(counts.count == 12, "every ordered pair of 4 items can be shown")
        #expect(abs(logged.values.reduce(0, +) - 1) < 1e-12, "the slates' probabilities sum to 1")
        for (slate, count) in counts {
            let p = logged[slate]!
            let sigma = (p * (1 - p) / Double(draws)).squareRoot()
            #expect(abs(Double(count) / Double(draws) - p) < 4.5 * sigma, "\(slate): \(count) of \(draws), logged \(p)")
        }
    }
}
