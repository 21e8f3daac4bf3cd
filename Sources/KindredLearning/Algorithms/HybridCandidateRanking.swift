extension HybridModel: CandidateRanking {
    /// The hybrid's top items without scoring the whole catalog. Only three kinds of item can
    /// lead: those the collaborative part ranks high (the pruned int8 scan of
    /// `MatrixFactorizationModel`), neighbours of the history (every other item has content
    /// score 0) and the most popular (popularity breaks ties). Those are scored exactly, with
    /// the formula `score` uses. Any other allowed item scores at most
    /// share (T + E) / scale + 0.001 p / pmax, where T is the worst approximate score in the
    /// collaborative pool, E the quantization error bound and p the popularity of the last
    /// popular candidate. When the k-th candidate beats that bound the result is exactly what
    /// scoring every item gives; when it does not (rare: very strict filters), every item is
    /// scored.
    public func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        rankCandidates(user: user, history: history, count: count, keep: keep).items
    }

    /// `top`, and whether it had to score every item (the latency command counts those).
    func rankCandidates(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> (items: [ScoredItem], scoredEveryItem: Bool) {
        guard count > 0 else { return ([], false) }
        let share = collaborativeShare(history.indices.count)
        let vector = history.indices.isEmpty ? nil : collaborative.queryVector(user: user, history: history)
        var candidates: [Int: Float] = [:]  // item -> content score

        // Content: accumulated in the order `ItemKNNModel.score` adds, so the sums are the same.
        for (source, weight) in zip(history.indices, history.values) where Int(source) < content.neighbours.count {
            for neighbour in content.neighbours[Int(source)] { candidates[neighbour.item, default: 0] += weight * neighbour.score }
        }
        // The content scale is the largest content score over all items, allowed or not.
        let contentScale = max(candidates.values.max() ?? 0, 1e-12)
        candidates = candidates.filter { keep($0.key) }

        // Collaborative: the pruned int8 scan's pool of allowed items.
        var poolIsFull = false
        var collaborativeBound = -Float.infinity
        if let vector {
            let pool = max(count * 4, MatrixFactorizationModel.candidatePool)
            let scanned = collaborative.firstPass(vector, pool: pool, prune: true, keep: keep).candidates
            for entry in scanned where candidates[entry.item] == nil { candidates[entry.item] = 0 }
            if scanned.count == pool, let worst = scanned.last {
                poolIsFull = true
                collaborativeBound = worst.score + collaborative.quantizationError(query: vector)
            }
        }

        // Popularity: the first `count` allowed items in popularity order.
        var popularTaken = 0
        var popularityBound: Float = 0
        for item in popularityOrder where keep(Int(item)) {
            if candidates[Int(item)] == nil { candidates[Int(item)] = 0 }
            popularTaken += 1
            popularityBound = popularity[Int(item)]
            if popularTaken == count { break }
        }

        let cfScale = vector.map(collaborativeScale) ?? 1
        var best = TopKHeap(k: count)
        for (item, contentScore) in candidates {
            let cf = vector.map { collaborative.exactScore(item: item, vector: $0) } ?? 0
            let score = blend(share: share, collaborative: cf, cfScale: cfScale, content: contentScore, contentScale: contentScale, item: item)
            best.offer(item, score: score) { _ in true }
        }
        let ranked = best.sorted()

        // Exact by construction: every allowed item is a candidate (fewer allowed items than
        // asked for, or than the pool holds), or nothing but popularity counts (no history:
        // popularity order already breaks ties as `TopK` does).
        if popularTaken < count || vector == nil || !poolIsFull { return (ranked, false) }
        let outsiderBound = share * collaborativeBound / cfScale + 0.001 * popularityBound / popularityScale
        if ranked.count == count, let last = ranked.last, last.score > outsiderBound { return (ranked, false) }
        var scores = [Float](repeating: 0, count: itemCount)
        score(user: user, history: history, into: &scores)
        return (TopK.select(scores, k: count, where: keep), true)
    }
}
