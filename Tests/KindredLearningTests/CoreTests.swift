import Foundation
import Testing

@testable import KindredLearning

@Suite struct SparseMatrixTests {
    @Test func entriesAreSortedAndDuplicatesSummed() {
        let m = SparseMatrix(rows: 2, columns: 3, entries: [(1, 2, 1), (0, 1, 2), (1, 0, 3), (0, 1, 0.5)])
        #expect(m.rowStarts == [0, 1, 3])
        #expect(m.columnIndices == [1, 0, 2])
        #expect(m.values == [2.5, 3, 1])
    }

    @Test func cancelledPairsAreDroppedWhenAsked() {
        let entries: [(row: Int32, column: Int32, value: Float)] = [(0, 0, 8), (0, 0, -8), (0, 1, 1)]
        #expect(SparseMatrix(rows: 1, columns: 2, entries: entries, keepPositiveOnly: true).columnIndices == [1])
        #expect(SparseMatrix(rows: 1, columns: 2, entries: entries).columnIndices == [0, 1])
    }

    @Test func transposeSwapsRowsAndColumns() {
        let m = SparseMatrix(rows: 2, columns: 3, entries: [(0, 1, 2), (1, 0, 3), (1, 2, 1)])
        let t = m.transposed()
        #expect(t.rows == 3 && t.columns == 2)
        #expect(t.rowStarts == [0, 1, 2, 3])
        #expect(t.columnIndices == [1, 0, 1])
        #expect(t.values == [3, 2, 1])
        #expect(t.transposed() == m)
    }
}

@Suite struct EventWeightsTests {
    @Test func weightsFollowTheEventKindAndValue() {
        let w = EventWeights()
        #expect(w.weight(.purchase, value: 3) == 8, "a purchase line counts once, whatever the quantity")
        #expect(w.weight(.dwell, value: 90) == 1.5, "1 per minute")
        #expect(w.weight(.dwell, value: 3600) == 5, "capped at 300 s")
        #expect(w.weight(.scroll, value: 0.5) == 0.5)
        // A one-star rating is a weak positive (the person chose the item), five stars 5.
        #expect(w.weight(.rating, value: 5) == 5)
        #expect(w.weight(.rating, value: 1) == 1)
        #expect(w.weight(.rating, value: 0) == 0)
        var older = EventWeights()
        #expect(older.set("rating_base", to: -4) && older.set("rating_per_star", to: 2))
        #expect(older.weight(.rating, value: 1) == -4 && older.weight(.rating, value: 3) == 0 && older.weight(.rating, value: 5) == 4)
        #expect(w.weight(.return, value: 1) == -8)
    }

    /// Weights stored before `rating_base` existed decode to the mapping they were trained with,
    /// and today's round-trip unchanged.
    @Test func storedWeightsDecodeAsTheyWereTrained() throws {
        let old =
            #"{"view":1,"click":2,"dwellPerMinute":1,"dwellCapSeconds":300,"scroll":1,"addToCart":4,"removeFromCart":-2,"purchase":5,"return":-8,"impression":0,"search":0,"ratingPerStar":2}"#
        let decoded = try JSONDecoder().decode(EventWeights.self, from: Data(old.utf8))
        #expect(decoded.purchase == 5 && decoded.weight(.rating, value: 1) == -4 && decoded.weight(.rating, value: 3) == 0)
        var today = EventWeights()
        today.halfLifeDays = 30
        #expect(try JSONDecoder().decode(EventWeights.self, from: JSONEncoder().encode(today)) == today)
    }

    @Test func halfLifeHalvesTheWeight() {
        var w = EventWeights()
        w.halfLifeDays = 10
        let day: Int64 = 86_400_000
        #expect(abs(w.decay(at: 0, referenceTime: 10 * day) - 0.5) < 1e-6)
        #expect(abs(w.decay(at: 0, referenceTime: 20 * day) - 0.25) < 1e-6)
        #expect(w.decay(at: 5 * day, referenceTime: 5 * day) == 1)
    }

    @Test func returnsCancelPurchasesInTheMatrix() {
        var log = InteractionLog()
        log.append(user: 0, item: 0, kind: .purchase, value: 1, time: 0)
        log.append(user: 0, item: 0, kind: .return, value: 1, time: 1)
        log.append(user: 0, item: 1, kind: .view, value: 0, time: 2)
        let m = EventWeights().matrix(of: log, users: 1, items: 2, referenceTime: 2)
        #expect(m.columnIndices == [1])
        #expect(m.values == [1])
    }
}

@Suite struct TopKTests {
    @Test func bestFirstTiesToTheLowerIndex() {
        let top = TopK.select([0.1, 0.9, 0.5, 0.9, -1], k: 3)
        #expect(top.map(\.item) == [1, 3, 2])
        #expect(TopK.select([1, 2], k: 5).map(\.item) == [1, 0])
        #expect(TopK.select([1, 2, 3], k: 2) { $0 != 2 }.map(\.item) == [1, 0])
        #expect(TopK.select([-.infinity, 1], k: 2).map(\.item) == [1], "excluded items never appear")
    }
}

@Suite struct DenseSolveTests {
    @Test func choleskySolvesASmallSystem() {
        // [[4, 1], [1, 3]] x = [1, 2]  =>  x = [1/11, 7/11]
        var a: [Float] = [4, 1, 1, 3]
        let x = DenseSolve.choleskySolve(&a, [1, 2], n: 2)!
        #expect(abs(x[0] - 1.0 / 11) < 1e-6)
        #expect(abs(x[1] - 7.0 / 11) < 1e-6)
        var singular: [Float] = [1, 1, 1, 1]
        #expect(DenseSolve.choleskySolve(&singular, [1, 1], n: 2) == nil)
    }
}

@Suite struct RankingMetricsTests {
    @Test func handComputedUserScores() {
        // Ranked [3, 1, 7, 2], relevant {1, 2, 9}, k = 4: hits at ranks 2 and 4.
        let s = UserRankingScores(ranked: [3, 1, 7, 2], relevant: [1, 2, 9], k: 4)
        #expect(abs(s.recall - 2.0 / 3) < 1e-12)
        #expect(abs(s.precision - 0.5) < 1e-12)
        // DCG = 1/log2(3) + 1/log2(5); ideal over 3 hits = 1 + 1/log2(3) + 1/2.
        let dcg = 1 / 1.584962500721156 + 1 / 2.321928094887362
        let ideal = 1 + 1 / 1.584962500721156 + 0.5
        #expect(abs(s.ndcg - dcg / ideal) < 1e-12)
        #expect(abs(s.averagePrecision - (1.0 / 2 + 2.0 / 4) / 3) < 1e-12)
        #expect(s.reciprocalRank == 0.5)
        #expect(s.hit == 1)
    }

    @Test func recallIsCappedAtK() {
        // 5 relevant, k = 2, both top items relevant: recall = 2 / min(5, 2) = 1.
        let s = UserRankingScores(ranked: [1, 2], relevant: [1, 2, 3, 4, 5], k: 2)
        #expect(s.recall == 1)
        #expect(s.ndcg == 1)
        #expect(UserRankingScores(ranked: [7, 8], relevant: [1], k: 2).ndcg == 0)
    }

    @Test func theEvaluatorAveragesOverUsersThroughTheModelProtocol() {
        // Popularity ranks items 2, 0, 1, 3. User 0 saw item 2 (excluded) and finds item 0 in
        // the test period; user 1 saw nothing relevant-excluded and finds item 3.
        let train = SparseMatrix(rows: 2, columns: 4, entries: [(0, 2, 1), (1, 2, 1), (1, 0, 1)])
        let model = PopularityModel(popularity: [3, 2, 4, 1])
        let set = EvaluationSet(
            train: TrainingSet(interactions: train),
            cases: [.init(user: 0, relevant: [0], excluded: [2]), .init(user: 1, relevant: [3], excluded: [2, 0])])
        let metrics = Evaluator.evaluate(model, on: set, k: 2, threads: 2)
        // User 0: ranked [0, 1] -> hit at 1. User 1: ranked [1, 3] -> hit at 2.
        #expect(metrics.users == 2)
        #expect(metrics.recall == 1)
        #expect(abs(metrics.ndcg - (1 + 1 / 1.584962500721156) / 2) < 1e-12)
        #expect(metrics.mrr == 0.75)
        #expect(metrics.coverage == 0.75, "items 0, 1 and 3 of 4 were recommended")
    }
}
