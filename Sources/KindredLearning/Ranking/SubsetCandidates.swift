/// Scores for a few items only, where a model can give them without scoring the catalog: what
/// a block of a handful of candidates (new arrivals) needs.
public protocol SubsetScoring: RecommenderModel {
    func scores(of items: [Int], user: Int?, history: SparseVector) -> [Float]
}

extension MatrixFactorizationModel: SubsetScoring {
    /// Dot products of the person's vector (or their folded-in history) with each item's factors.
    public func scores(of items: [Int], user: Int?, history: SparseVector) -> [Float] {
        let vector = queryVector(user: user, history: history)
        return items.map { item in
            var sum = itemBias.isEmpty ? Float(0) : itemBias[item]
            for d in 0..<factors { sum += vector[d] * itemFactors[item * factors + d] }
            return sum
        }
    }
}

extension RecommenderModel {
    /// The scores of a few items: by the model's subset scoring where it has one, otherwise
    /// from an exact score of every item, which is what a neighbour model costs anyway.
    public func exactScores(of items: [Int], user: Int?, history: SparseVector) -> [Float] {
        if let subset = self as? any SubsetScoring { return subset.scores(of: items, user: user, history: history) }
        var all = [Float](repeating: 0, count: itemCount)
        score(user: user, history: history, into: &all)
        return items.map { all[$0] }
    }
}

/// A candidate source over a short list of items (the new arrivals, what is back in stock):
/// ranked by the model where it can score a subset, otherwise by an exact score of every item,
/// which is what a neighbour model costs anyway.
public struct SubsetCandidates: CandidateSource {
    public let model: any RecommenderModel
    public let items: [Int]
    public var name: String { "model" }

    public init(model: any RecommenderModel, items: [Int]) {
        self.model = model
        self.items = items
    }

    public func candidates(for query: RankingQuery, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        let allowed = items.filter(keep)
        guard !allowed.isEmpty else { return [] }
        let scores = model.exactScores(of: allowed, user: query.user, history: query.history)
        var heap = TopKHeap(k: count)
        for (item, score) in zip(allowed, scores) { heap.offer(item, score: score) { _ in true } }
        return heap.sorted()
    }
}
