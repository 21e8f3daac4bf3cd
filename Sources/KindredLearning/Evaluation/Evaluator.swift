import Foundation

/// What a model is evaluated on: for each evaluated user, their row in the training matrix,
/// the items that count as relevant in the test period, and the items left out of their
/// ranking (their training items under the "discovery" protocol, none under "all").
public struct EvaluationSet: Sendable {
    public struct Case: Sendable {
        public var user: Int
        public var relevant: Set<Int>
        public var excluded: Set<Int32>

        public init(user: Int, relevant: Set<Int>, excluded: Set<Int32>) {
            self.user = user
            self.relevant = relevant
            self.excluded = excluded
        }
    }

    public var train: TrainingSet
    public var cases: [Case]

    public init(train: TrainingSet, cases: [Case]) {
        self.train = train
        self.cases = cases
    }
}

/// Scores a fitted model on an evaluation set through the model protocol only. A model that
/// ranks from candidates (`CandidateRanking`) is asked for its top items that way, as serving
/// asks it, so that offline metrics measure what people are shown; for the hybrid that is
/// exactly the ranking of scoring every item, at a fraction of the cost on large catalogs.
public enum Evaluator {
    public static func evaluate(_ model: any RecommenderModel, on set: EvaluationSet, k: Int, threads: Int = 2) -> RankingMetrics {
        guard !set.cases.isEmpty else { return .zero(k: k) }
        let workers = max(1, min(threads, set.cases.count))
        var perWorker = [(scores: UserRankingScores, recommended: Set<Int>, novelty: Double)](
            repeating: (UserRankingScores(ranked: [], relevant: [], k: k), [], 0), count: workers)
        let popularity = distinctUsers(set.train.interactions)
        let userCount = Double(max(set.train.users, 1))
        perWorker.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            Parallel.run(workers: workers) { worker in
                var total = UserRankingScores(ranked: [], relevant: [], k: k)
                var recommended = Set<Int>()
                var novelty = 0.0
                var scores = [Float](repeating: 0, count: model.itemCount)
                var index = worker
                while index < set.cases.count {
                    let testCase = set.cases[index]
                    let history = SparseVector(row: set.train.interactions.row(testCase.user))
                    let ranked: [Int]
                    if let candidates = model as? any CandidateRanking {
                        let excluded = testCase.excluded
                        ranked = candidates.top(user: testCase.user, history: history, count: k) { !excluded.contains(Int32($0)) }
                            .map(\.item)
                    } else {
                        model.score(user: testCase.user, history: history, into: &scores)
                        for item in testCase.excluded { scores[Int(item)] = -.infinity }
                        ranked = TopK.select(scores, k: k).map(\.item)
                    }
                    let user = UserRankingScores(ranked: ranked, relevant: testCase.relevant, k: k)
                    total.recall += user.recall
                    total.precision += user.precision
                    total.ndcg += user.ndcg
                    total.hit += user.hit
                    total.averagePrecision += user.averagePrecision
                    total.reciprocalRank += user.reciprocalRank
                    for item in ranked {
                        recommended.insert(item)
                        novelty += -log2(max(popularity[item], 1) / userCount)
                    }
                    index += workers
                }
                out[worker] = (total, recommended, novelty)
            }
        }
        let n = Double(set.cases.count)
        var recommended = Set<Int>()
        var sum = UserRankingScores(ranked: [], relevant: [], k: k)
        var novelty = 0.0
        for part in perWorker {
            sum.recall += part.scores.recall
            sum.precision += part.scores.precision
            sum.ndcg += part.scores.ndcg
            sum.hit += part.scores.hit
            sum.averagePrecision += part.scores.averagePrecision
            sum.reciprocalRank += part.scores.reciprocalRank
            recommended.formUnion(part.recommended)
            novelty += part.novelty
        }
        return RankingMetrics(
            k: k, users: set.cases.count, recall: sum.recall / n, precision: sum.precision / n, ndcg: sum.ndcg / n,
            hitRate: sum.hit / n, map: sum.averagePrecision / n, mrr: sum.reciprocalRank / n,
            coverage: Double(recommended.count) / Double(max(set.train.items, 1)), novelty: novelty / (n * Double(k)))
    }

    static func distinctUsers(_ matrix: SparseMatrix) -> [Double] {
        var counts = [Double](repeating: 0, count: matrix.columns)
        for column in matrix.columnIndices { counts[Int(column)] += 1 }
        return counts
    }
}
