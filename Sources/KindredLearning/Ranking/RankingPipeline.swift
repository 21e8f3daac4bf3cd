/// Serving as explicit phases, after Metarank and Vespa: retrieve from sources in order (each
/// later source fills what the earlier ones left), filter (the `keep` predicate every source
/// applies), re-rank, cut to the count. A strategy is a configuration of this value, and the
/// offline evaluator runs the same value, so that an offline metric measures what people are
/// shown.
public struct RankingPipeline: Sendable {
    public var sources: [any CandidateSource]
    public var rerankers: [any Reranker]
    /// With re-rankers, retrieval proposes this many times the count (at least `count + 20`),
    /// so that a cap or a diversity trade-off has alternatives to choose from.
    public var poolFactor: Int

    public init(sources: [any CandidateSource], rerankers: [any Reranker] = [], poolFactor: Int = 3) {
        self.sources = sources
        self.rerankers = rerankers
        self.poolFactor = max(1, poolFactor)
    }

    /// How many candidates retrieval gathers for a list of `count`: the most that the pipeline
    /// or any of its stages asks for.
    public func poolSize(for count: Int) -> Int {
        guard !rerankers.isEmpty else { return count }
        return rerankers.reduce(max(count * poolFactor, count + 20)) { max($0, $1.poolSize(for: count)) }
    }

    /// The ranked list: at most `count` distinct items that `keep` allows.
    public func run(_ query: RankingQuery, count: Int, keep: (Int) -> Bool) -> [RankedItem] {
        guard count > 0 else { return [] }
        let pool = poolSize(for: count)
        var chosen: [RankedItem] = []
        var seen = Set<Int>()
        for source in sources where chosen.count < pool {
            let proposed = source.candidates(for: query, count: pool - chosen.count) { !seen.contains($0) && keep($0) }
            for candidate in proposed where seen.insert(candidate.item).inserted {
                chosen.append(RankedItem(item: candidate.item, score: candidate.score, source: source.name))
            }
        }
        for reranker in rerankers { chosen = reranker.rerank(chosen, count: count, for: query) }
        return Array(chosen.prefix(count))
    }
}
