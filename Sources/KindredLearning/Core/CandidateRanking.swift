/// Models that can produce their top items without an exact score for every item: serving
/// uses this for large catalogs. `keep` applies the request's business rules while selecting.
/// `threads` splits one query across cores: right for a lone query, wrong for a server, whose
/// concurrent requests already keep every core busy.
public protocol CandidateRanking: RecommenderModel {
    func top(user: Int?, history: SparseVector, count: Int, threads: Int, keep: (Int) -> Bool) -> [ScoredItem]
}

extension CandidateRanking {
    public func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        top(user: user, history: history, count: count, threads: 2, keep: keep)
    }
}

extension MatrixFactorizationModel: CandidateRanking {
    /// How many approximate candidates the exact pass re-scores (at least).
    public static let candidatePool = 100

    /// Two passes: int8-quantized scores for every item pick the best `max(4 count, 100)`
    /// allowed candidates; exact Float32 scores rank those.
    public func top(user: Int?, history: SparseVector, count: Int, threads: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        let vector: [Float]
        if let user, user < userCount { vector = userVector(user) } else { vector = foldIn(history) }
        var approximate = ScratchPool.shared.take(count: quantizedItems.scales.count)
        defer { ScratchPool.shared.give(approximate) }
        quantizedItems.multiply(by: vector, into: &approximate, threads: threads)
        if !itemBias.isEmpty { for index in 0..<itemCount { approximate[index] += itemBias[index] } }
        let candidates = approximate.withUnsafeBufferPointer { scores in
            TopK.select(UnsafeBufferPointer(rebasing: scores[0..<itemCount]), k: max(count * 4, Self.candidatePool), where: keep)
        }
        var exact = candidates.map { candidate -> ScoredItem in
            let score = itemFactors.withUnsafeBufferPointer { y in
                vector.withUnsafeBufferPointer { v in VectorMath.dot(y.baseAddress! + candidate.item * factors, v.baseAddress!, factors) }
            }
            return ScoredItem(item: candidate.item, score: score + (itemBias.isEmpty ? 0 : itemBias[candidate.item]))
        }
        exact.sort { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
        return Array(exact.prefix(count))
    }
}
