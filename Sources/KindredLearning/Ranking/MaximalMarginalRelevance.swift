/// Maximal marginal relevance (Carbonell and Goldstein, 1998): picks, one at a time, the
/// candidate with the best `lambda x relevance - (1 - lambda) x its greatest similarity to
/// what is already picked`. lambda 1 keeps the ranking as it is; lower values trade accuracy
/// for a list that covers more ground. Relevance is the candidate's score rescaled to 0...1
/// over the candidates, so that lambda means the same for every model's score range.
public struct MaximalMarginalRelevance: Reranker {
    public let lambda: Float
    public let similarity: any ItemSimilarity
    public var name: String { "mmr" }

    public init(lambda: Float, similarity: any ItemSimilarity) {
        self.lambda = min(1, max(0, lambda))
        self.similarity = similarity
    }

    public func rerank(_ candidates: [RankedItem], count: Int) -> [RankedItem] {
        guard lambda < 1, candidates.count > 1 else { return candidates }
        let high = candidates.map(\.score).max() ?? 0
        let low = candidates.map(\.score).min() ?? 0
        let span = high - low
        let relevance = candidates.map { span > 0 ? ($0.score - low) / span : 1 }
        var remaining = Array(candidates.indices)
        // Each candidate's greatest similarity to the picked items, updated once per pick.
        var nearest = [Float](repeating: 0, count: candidates.count)
        var picked: [RankedItem] = []
        picked.reserveCapacity(min(count, candidates.count))
        while picked.count < count, !remaining.isEmpty {
            var bestPosition = 0
            var bestValue = -Float.infinity
            for (position, index) in remaining.enumerated() {
                let value = lambda * relevance[index] - (1 - lambda) * nearest[index]
                // Ties keep the earlier (better-scored) candidate.
                if value > bestValue {
                    bestValue = value
                    bestPosition = position
                }
            }
            let index = remaining.remove(at: bestPosition)
            picked.append(candidates[index])
            for other in remaining {
                nearest[other] = max(nearest[other], similarity.similarity(candidates[index].item, candidates[other].item))
            }
        }
        return picked
    }
}
