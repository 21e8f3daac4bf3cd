/// Candidates from a fitted model: its own candidate ranking where it has one (the
/// quantized scan of factor models), otherwise an exact score of every item.
///
/// Neighbour models score 0 where they have no evidence; those items are left out, so that
/// a later source (the non-personalized ranking) fills the places rather than arbitrary items.
public struct ModelCandidates: CandidateSource {
    public let model: any RecommenderModel
    public var name: String { "model" }

    public init(model: any RecommenderModel) {
        self.model = model
    }

    public func candidates(for query: RankingQuery, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        if let ranking = model as? any CandidateRanking {
            return ranking.top(user: query.user, history: query.history, count: count, keep: keep)
        }
        var scores = ScratchPool.shared.takeZeroed(count: model.itemCount)
        defer { ScratchPool.shared.give(scores) }
        model.score(user: query.user, history: query.history, into: &scores)
        return scores.withUnsafeBufferPointer { TopK.select($0, k: count, where: keep) }.filter { $0.score > 0 }
    }
}

/// Candidates from a score per item computed before the query (the non-personalized ranking
/// of a request's context, trending, new arrivals): the best allowed items by that score.
public struct ScoreCandidates: CandidateSource {
    public let name: String
    public let scores: [Float]
    /// The score the items carry onward; nil keeps their own. A backfill reports 0, "no
    /// evidence from the model", so that re-rankers rank it below what the model chose.
    public let reportedScore: Float?

    public init(name: String, scores: [Float], reportedScore: Float? = nil) {
        self.name = name
        self.scores = scores
        self.reportedScore = reportedScore
    }

    public func candidates(for query: RankingQuery, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        let top = scores.withUnsafeBufferPointer { TopK.select($0, k: count, where: keep) }
        guard let reportedScore else { return top }
        return top.map { ScoredItem(item: $0.item, score: reportedScore) }
    }
}
