import Foundation
import Testing

@testable import KindredLearning

/// Each serving stage on hand-built cases whose answer is worked out in the comments.
@Suite struct RankingStageTests {
    /// A fixed table of likeness between item numbers, for re-rankers.
    struct TableSimilarity: ItemSimilarity {
        var table: [Set<Int>: Float]
        func similarity(_ a: Int, _ b: Int) -> Float { a == b ? 1 : table[[a, b]] ?? 0 }
    }

    static let nobody = RankingQuery(user: nil, history: SparseVector())

    static func ranked(_ pairs: [(Int, Float)]) -> [RankedItem] {
        pairs.map { RankedItem(item: $0.0, score: $0.1, source: "test") }
    }

    @Test func laterSourcesFillWhatEarlierOnesLeftWithoutRepeatsAndThroughTheFilter() {
        // The first source knows items 0, 1 and 2 (1 is filtered out); the second ranks 2, 4, 3
        // and must not repeat 2. Five places: 0, 2 from the first; 4, 3 from the second.
        let first = ScoreCandidates(name: "first", scores: [0.9, 0.8, 0.7, 0, 0, 0].map { $0 > 0 ? $0 : -.infinity })
        let second = ScoreCandidates(name: "second", scores: [0, 0, 5, 3, 4, 0], reportedScore: 0)
        let pipeline = RankingPipeline(sources: [first, second])
        let list = pipeline.run(Self.nobody, count: 5) { $0 != 1 && $0 != 5 }
        #expect(list.map(\.item) == [0, 2, 4, 3])
        #expect(list.map(\.source) == ["first", "first", "second", "second"])
        #expect(list.map(\.score) == [0.9, 0.7, 0, 0], "the backfill reports no evidence")
    }

    @Test func retrievalGathersAPoolOnlyWhenAStageReranks() {
        let plain = RankingPipeline(sources: [])
        #expect(plain.poolSize(for: 10) == 10)
        let capped = RankingPipeline(sources: [], rerankers: [GroupCap(name: "cap", limit: 1, groups: [])])
        #expect(capped.poolSize(for: 10) == 30)
        #expect(capped.poolSize(for: 2) == 22, "at least count + 20")
    }

    @Test func aModelSourceLeavesOutItemsItHasNoEvidenceFor() {
        // Popularity over 4 items, item 3 never seen: score 0, left for the backfill.
        let data = TrainingSet(interactions: SparseMatrix(rows: 2, columns: 4, entries: [(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 2, 1)]))
        let model = PopularityAlgorithm().fit(data)
        let items = ModelCandidates(model: model).candidates(for: Self.nobody, count: 4) { _ in true }.map(\.item)
        #expect(!items.contains(3))
        #expect(items.first == 0)
    }

    @Test func aGroupCapGivesAnOverfullGroupsPlacesToTheNext() {
        // Groups: 0,1,2 in group 7; 3 in group 8; 4 has none. Cap 2: item 2 waits.
        let cap = GroupCap(name: "category_cap", limit: 2, groups: [7, 7, 7, 8, -1])
        let candidates = Self.ranked([(0, 5), (1, 4), (2, 3), (3, 2), (4, 1)])
        #expect(cap.rerank(candidates, count: 4).map(\.item) == [0, 1, 3, 4])
        // Asked for 5 with only 4 within the cap: the capped item fills the last place.
        #expect(cap.rerank(candidates, count: 5).map(\.item) == [0, 1, 3, 4, 2])
    }

    @Test func marginalRelevanceTradesScoreForVarietyByHand() {
        // A = 1.0, B = 0.9, C = 0.5; A and B identical (similarity 1), C unlike both.
        // Relevance rescaled over the candidates: A 1, B 0.8, C 0.
        // lambda 0.5: A first (0.5). Then B: 0.5 x 0.8 - 0.5 x 1 = -0.1; C: 0 - 0 = 0, so C, then B.
        // lambda 0.9: B: 0.72 - 0.1 = 0.62 beats C's 0: A, B, C.
        let similarity = TableSimilarity(table: [[0, 1]: 1])
        let candidates = Self.ranked([(0, 1.0), (1, 0.9), (2, 0.5)])
        #expect(MaximalMarginalRelevance(lambda: 0.5, similarity: similarity).rerank(candidates, count: 3).map(\.item) == [0, 2, 1])
        #expect(MaximalMarginalRelevance(lambda: 0.9, similarity: similarity).rerank(candidates, count: 3).map(\.item) == [0, 1, 2])
        #expect(MaximalMarginalRelevance(lambda: 1, similarity: similarity).rerank(candidates, count: 3) == candidates)
        #expect(MaximalMarginalRelevance(lambda: 0.5, similarity: similarity).rerank(candidates, count: 2).map(\.item) == [0, 2])
    }

    @Test func embeddingSimilarityIsTheClampedCosine() {
        // Item 0 = (1, 0), item 1 = (1, 1), item 2 = (-1, 0), item 3 = (0, 0).
        let similarity = EmbeddingSimilarity(vectors: [1, 0, 1, 1, -1, 0, 0, 0], dimensions: 2)
        #expect(abs(similarity.similarity(0, 1) - 1 / 2.0.squareRoot().float) < 1e-6)
        #expect(similarity.similarity(0, 2) == 0, "opposite vectors count as unlike, not as -1")
        #expect(similarity.similarity(0, 3) == 0, "a zero vector is like nothing")
        #expect(abs(similarity.similarity(1, 1) - 1) < 1e-6)
    }

    @Test func intraListDiversityIsTheMeanPairwiseUnlikeness() {
        // Groups 1, 1, 2: pairs (0,1) alike, (0,2) and (1,2) unlike: ILD = 2/3.
        let similarity = GroupSimilarity(groups: [1, 1, 2, -1])
        #expect(abs(similarity.intraListDiversity([0, 1, 2]) - 2.0 / 3) < 1e-12)
        #expect(similarity.intraListDiversity([0]) == 0)
        #expect(similarity.similarity(3, 3) == 0, "items without a group are unlike everything")
    }
}

extension Double {
    fileprivate var float: Float { Float(self) }
}
