import Foundation
import Synchronization
import Testing

@testable import KindredLearning

/// The trend blend: base / (best allowed base) + weight x trend / max trend, by hand on a
/// neighbour model, and its candidate path against every item scored on a factor model.
@Suite struct TrendBlendTests {
    /// History {item 0 with weight 1}; item 0's neighbours give items 1, 2 and 4 base scores
    /// 2, 1 and -1. Trend (10, 0, 5, 10, 0), so max trend 10. Item 0 is left out (seen).
    /// Weight 0.5: item 1 = 2/2 + 0 = 1, item 2 = 1/2 + 0.5 x 5/10 = 0.75, item 3 = 0 + 0.5 x
    /// 10/10 = 0.5, item 4 = -1/2 + 0 = -0.5 (left out: no evidence for it).
    /// Weight 2: item 3 = 2, item 2 = 1.5, item 1 = 1.
    static let base = ItemKNNModel(neighbours: [
        [ScoredItem(item: 1, score: 2), ScoredItem(item: 2, score: 1), ScoredItem(item: 4, score: -1)], [], [], [], [],
    ])
    static let trend: [Float] = [10, 0, 5, 10, 0]
    static let history = SparseVector(indices: [0], values: [1])

    @Test func aNeighbourModelBlendedByHand() {
        let half = TrendBlendModel(base: Self.base, trending: Self.trend, weight: 0.5)
        let top = half.top(user: nil, history: Self.history, count: 5) { $0 != 0 }
        #expect(top.map(\.item) == [1, 2, 3])
        #expect(zip(top.map(\.score), [1, 0.75, 0.5] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
        let double = half.reweighted(2)
        let reordered = double.top(user: nil, history: Self.history, count: 2) { $0 != 0 }
        #expect(reordered.map(\.item) == [3, 2])
        #expect(zip(reordered.map(\.score), [2, 1.5] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    /// `score` scales by the best of every item (here still item 1's 2, since the base gives
    /// item 0 nothing); subsets by their own best.
    @Test func scoresAndSubsetsByHand() {
        let model = TrendBlendModel(base: Self.base, trending: Self.trend, weight: 0.5)
        var scores = [Float](repeating: 0, count: 5)
        model.score(user: nil, history: Self.history, into: &scores)
        #expect(zip(scores, [0.5, 1, 0.75, 0.5, -0.5] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(scores)")
        // Subset {2, 3}: best base 1, so item 2 = 1 + 0.25, item 3 = 0 + 0.5.
        let subset = model.scores(of: [2, 3], user: nil, history: Self.history)
        #expect(zip(subset, [1.25, 0.5] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    /// Nobody's history touches anything: the trend alone ranks, and items with neither
    /// evidence nor trend are left for the next source.
    @Test func anEmptyHistoryIsRankedByTheTrend() {
        let model = TrendBlendModel(base: Self.base, trending: Self.trend, weight: 0.5)
        let top = model.top(user: nil, history: SparseVector(), count: 5) { _ in true }
        #expect(top.map(\.item) == [0, 3, 2])
    }

    /// On a factor model of 60 items (the candidate pool holds them all) the candidate path is
    /// the blend of every item's exact score, for people and for folded-in histories, with
    /// rules leaving items out.
    @Test func theFactorModelsCandidatePathIsTheExactBlend() {
        let model = CandidateRankingTests.randomModel(items: 60, factors: 8, seed: 5)
        var random = SeededGenerator(seed: 9)
        let trend = (0..<60).map { _ in Float(random.nextUnit()) * (random.nextUnit() < 0.3 ? 0 : 5) }
        for weight: Float in [0.25, 1, 4] {
            let blend = TrendBlendModel(base: model, trending: trend, weight: weight)
            let largestTrend = trend.max()!
            for user in [0, 7, 31] {
                let keep: (Int) -> Bool = { $0 % 5 != user % 5 }
                var scores = [Float](repeating: 0, count: 60)
                model.score(user: user, history: SparseVector(), into: &scores)
                let best = (0..<60).filter(keep).map { scores[$0] }.max()!
                let expected = (0..<60).filter(keep).map {
                    ScoredItem(item: $0, score: scores[$0] / best + weight * trend[$0] / largestTrend)
                }
                .sorted { $0.score > $1.score }.prefix(10)
                let top = blend.top(user: user, history: SparseVector(), count: 10, keep: keep)
                #expect(top.map(\.item) == expected.map(\.item), "weight \(weight), user \(user)")
                #expect(zip(top, expected).allSatisfy { abs($0.score - $1.score) < 1e-4 })
            }
        }
    }

    /// A catalog bigger than the candidate pool: a trending item the factor model did not
    /// propose is scored exactly (factor models score subsets), so the list is still the exact
    /// blend's.
    @Test func trendingItemsOutsideThePoolAreScoredExactly() {
        let model = CandidateRankingTests.randomModel(items: 2_000, factors: 8, seed: 6)
        var trend = [Float](repeating: 0, count: 2_000)
        var scores = [Float](repeating: 0, count: 2_000)
        model.score(user: 3, history: SparseVector(), into: &scores)
        // The trend lifts the person's 40 worst items, far outside a pool of 100.
        let worst = scores.indices.sorted { scores[$0] < scores[$1] }.prefix(40)
        for (rank, item) in worst.enumerated() { trend[item] = Float(40 - rank) }
        let blend = TrendBlendModel(base: model, trending: trend, weight: 3)
        let best = scores.max()!
        let expected = scores.indices.map { ScoredItem(item: $0, score: scores[$0] / best + 3 * trend[$0] / 40) }
            .sorted { $0.score > $1.score }.prefix(20)
        let top = blend.top(user: 3, history: SparseVector(), count: 20) { _ in true }
        #expect(top.map(\.item) == expected.map(\.item))
        #expect(Set(top.map(\.item)).intersection(worst).count > 0, "the trend reaches past the pool")
    }

    /// A trend on every item of a 5,000-item catalog: the first pool (the count) is often not
    /// provably enough, the pool grows, and every list is still the exact blend's.
    @Test func thePoolGrowsUntilTheListIsExact() {
        let model = CandidateRankingTests.randomModel(items: 5_000, factors: 8, seed: 8)
        var random = SeededGenerator(seed: 12)
        let trend = (0..<5_000).map { _ in Float(pow(random.nextUnit(), 3)) }
        let blend = TrendBlendModel(base: model, trending: trend, weight: 1)
        let largestTrend = trend.max()!
        var grew = 0
        for user in 0..<40 {
            let keep: (Int) -> Bool = { $0 % 7 != 3 }
            var scores = [Float](repeating: 0, count: 5_000)
            model.score(user: user, history: SparseVector(), into: &scores)
            let best = (0..<5_000).filter(keep).map { scores[$0] }.max()!
            let expected = (0..<5_000).filter(keep).map { ScoredItem(item: $0, score: scores[$0] / best + trend[$0] / largestTrend) }
                .sorted { $0.score > $1.score }.prefix(10)
            let top = blend.top(user: user, history: SparseVector(), count: 10, keep: keep)
            #expect(top.map(\.item) == expected.map(\.item), "user \(user)")
            if !blend.blendOfPools(model, pool: 10, user: user, history: SparseVector(), count: 10, keep: keep).exact { grew += 1 }
        }
        #expect(grew > 0, "the first pool is sometimes not enough")
    }

    /// A blend that remembers its base's candidates gives the lists of one that does not,
    /// under every weight; its reweighted copies ask the base only for a person and pool not
    /// asked before (a higher weight can need a larger pool), so a second round asks nothing.
    @Test func rememberedCandidatesGiveTheSameListsAndAskTheBaseOnce() {
        let factors = CandidateRankingTests.randomModel(items: 3_000, factors: 8, seed: 15)
        let asked = CountingRanking(base: factors)
        let rememberedAsked = CountingRanking(base: factors)
        var random = SeededGenerator(seed: 16)
        let trend = (0..<3_000).map { _ in Float(pow(random.nextUnit(), 3)) }
        let plain = TrendBlendModel(base: asked, trending: trend, weight: 0.25)
        let remembered = TrendBlendModel(base: rememberedAsked, trending: trend, weight: 0.25).rememberingCandidates()
        let keep: (Int) -> Bool = { $0 % 5 != 1 }
        for round in 1...2 {
            for weight: Float in [0.25, 0.5, 1] {
                for user in 0..<30 {
                    let expected = plain.reweighted(weight).top(user: user, history: SparseVector(), count: 20, keep: keep)
                    let got = remembered.reweighted(weight).top(user: user, history: SparseVector(), count: 20, keep: keep)
                    #expect(got.map(\.item) == expected.map(\.item) && got.map(\.score) == expected.map(\.score))
                }
            }
            if round == 1 {
                #expect(rememberedAsked.calls.withLock { $0 } < asked.calls.withLock { $0 })
                rememberedAsked.calls.withLock { $0 = 0 }
            }
        }
        #expect(rememberedAsked.calls.withLock { $0 } == 0, "every person and pool was asked in the first round")
    }

    @Test func theAlgorithmFitsItsBaseAndNamesTheWeight() {
        let data = TrainingSet(
            interactions: SparseMatrix(rows: 2, columns: 3, entries: [(0, 0, 1), (0, 1, 1), (1, 1, 1), (1, 2, 1)]),
            recentActivity: [0, 0, 4])
        let algorithm = TrendBlendAlgorithm(base: ItemKNNAlgorithm(similarity: .cosine, neighbours: 5, threads: 1), weight: 0.5)
        #expect(algorithm.name == "item-knn-cosine")
        #expect(algorithm.hyperparameters["trend_weight"] == 0.5 && algorithm.hyperparameters["neighbours"] == 5)
        let model = algorithm.fit(data) as! TrendBlendModel
        #expect(model.trending == [0, 0, 4] && model.weight == 0.5 && model.base is ItemKNNModel)
    }
}

/// A factor model that counts how often its candidates are asked for.
final class CountingRanking: CandidateRanking, SubsetScoring, @unchecked Sendable {
    let base: MatrixFactorizationModel
    let calls = Mutex(0)

    init(base: MatrixFactorizationModel) {
        self.base = base
    }

    var itemCount: Int { base.itemCount }

    func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        calls.withLock { $0 += 1 }
        return base.top(user: user, history: history, count: count, keep: keep)
    }

    func scores(of items: [Int], user: Int?, history: SparseVector) -> [Float] {
        base.scores(of: items, user: user, history: history)
    }

    func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        base.score(user: user, history: history, into: &scores)
    }

    func similarItems(to item: Int, count: Int) -> [ScoredItem] { base.similarItems(to: item, count: count) }
}
