import Foundation

/// What a model is evaluated on: for each evaluated user, their row in the training matrix,
/// the items that count as relevant in the test period, and the items left out of their
/// ranking (their training items under the "discovery" protocol, none under "all").
public struct EvaluationSet: Sendable {
    public struct Case: Sendable {
        public var user: Int
        public var relevant: Set<Int>
        public var excluded: Set<Int32>
        /// When and on what the person came back after the cut, when known: the context a
        /// learned ranker reads, as serving reads it from the request.
        public var context: RankingContext = .unknown

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

/// What the evaluator runs beside the model, as serving does: the re-ranking stages of the
/// shop's lists, and the likeness that intra-list diversity is measured by.
public struct EvaluationStages: Sendable {
    public var rerankers: [any Reranker]
    /// Nil leaves intra-list diversity out of the metrics.
    public var similarity: (any ItemSimilarity)?

    public init(rerankers: [any Reranker] = [], similarity: (any ItemSimilarity)? = nil) {
        self.rerankers = rerankers
        self.similarity = similarity
    }
}

/// Scores a fitted model on an evaluation set through the model protocol only, by the ranking
/// pipeline serving runs: the model's candidates (its own candidate ranking where it has one,
/// as serving asks it), the places it has no evidence for filled from the popularity blend,
/// then the re-ranking stages, so that offline metrics measure what people are shown.
public enum Evaluator {
    public static func evaluate(
        _ model: any RecommenderModel, on set: EvaluationSet, k: Int, threads: Int = 2, stages: EvaluationStages = .init()
    ) -> RankingMetrics {
        guard !set.cases.isEmpty else { return .zero(k: k) }
        let pipeline = RankingPipeline(
            sources: [
                ModelCandidates(model: model),
                ScoreCandidates(name: "context", scores: PopularityBlend.scores(for: set.train), reportedScore: 0),
            ],
            rerankers: stages.rerankers)
        let workers = max(1, min(threads, set.cases.count))
        var perWorker = [(scores: UserRankingScores, recommended: Set<Int>, novelty: Double, diversity: Double)](
            repeating: (UserRankingScores(ranked: [], relevant: [], k: k), [], 0, 0), count: workers)
        let popularity = distinctUsers(set.train.interactions)
        let userCount = Double(max(set.train.users, 1))
        perWorker.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            Parallel.run(workers: workers) { worker in
                var total = UserRankingScores(ranked: [], relevant: [], k: k)
                var recommended = Set<Int>()
                var novelty = 0.0
                var diversity = 0.0
                var index = worker
                while index < set.cases.count {
                    let testCase = set.cases[index]
                    let history = SparseVector(row: set.train.interactions.row(testCase.user))
                    let excluded = testCase.excluded
                    let ranked = pipeline.run(RankingQuery(user: testCase.user, history: history, context: testCase.context), count: k) {
                        !excluded.contains(Int32($0))
                    }.map(\.item)
                    if let similarity = stages.similarity { diversity += similarity.intraListDiversity(ranked) }
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
                out[worker] = (total, recommended, novelty, diversity)
            }
        }
        let n = Double(set.cases.count)
        var recommended = Set<Int>()
        var sum = UserRankingScores(ranked: [], relevant: [], k: k)
        var novelty = 0.0
        var diversity = 0.0
        for part in perWorker {
            sum.recall += part.scores.recall
            sum.precision += part.scores.precision
            sum.ndcg += part.scores.ndcg
            sum.hit += part.scores.hit
            sum.averagePrecision += part.scores.averagePrecision
            sum.reciprocalRank += part.scores.reciprocalRank
            recommended.formUnion(part.recommended)
            novelty += part.novelty
            diversity += part.diversity
        }
        return RankingMetrics(
            k: k, users: set.cases.count, recall: sum.recall / n, precision: sum.precision / n, ndcg: sum.ndcg / n,
            hitRate: sum.hit / n, map: sum.averagePrecision / n, mrr: sum.reciprocalRank / n,
            coverage: Double(recommended.count) / Double(max(set.train.items, 1)), novelty: novelty / (n * Double(k)),
            intraListDiversity: stages.similarity == nil ? nil : diversity / n)
    }

    public static func distinctUsers(_ matrix: SparseMatrix) -> [Double] {
        var counts = [Double](repeating: 0, count: matrix.columns)
        for column in matrix.columnIndices { counts[Int(column)] += 1 }
        return counts
    }
}

extension Evaluator {
    /// Each case's list, by the same pipeline `evaluate` scores: what an audit of exposure and
    /// of accuracy per group of people reads.
    public static func rankedLists(
        _ model: any RecommenderModel, on set: EvaluationSet, k: Int, threads: Int = 2, stages: EvaluationStages = .init()
    ) -> [[Int]] {
        mapLists(model, on: set, count: k, threads: threads, stages: stages) { _, _, ranked in ranked.map(\.item) }
    }

    /// Runs `evaluate`'s pipeline (the model, popular items to fill, the stages) for every case,
    /// in parallel, and gives each case's list, with the query that made it, to `transform`:
    /// the one loop over cases that lists, audits and a learned ranker's training data share.
    public static func mapLists<Result>(
        _ model: any RecommenderModel, on set: EvaluationSet, count: Int, threads: Int = 2, stages: EvaluationStages = .init(),
        _ transform: @Sendable (EvaluationSet.Case, RankingQuery, [RankedItem]) -> Result
    ) -> [Result] {
        guard !set.cases.isEmpty else { return [] }
        let pipeline = RankingPipeline(
            sources: [
                ModelCandidates(model: model),
                ScoreCandidates(name: "context", scores: PopularityBlend.scores(for: set.train), reportedScore: 0),
            ],
            rerankers: stages.rerankers)
        var results = [Result?](repeating: nil, count: set.cases.count)
        let workers = max(1, min(threads, set.cases.count))
        results.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            Parallel.run(workers: workers) { worker in
                var index = worker
                while index < set.cases.count {
                    let testCase = set.cases[index]
                    let query = RankingQuery(
                        user: testCase.user, history: SparseVector(row: set.train.interactions.row(testCase.user)),
                        context: testCase.context)
                    let excluded = testCase.excluded
                    out[index] = transform(testCase, query, pipeline.run(query, count: count) { !excluded.contains(Int32($0)) })
                    index += workers
                }
            }
        }
        return results.map { $0! }
    }
}
