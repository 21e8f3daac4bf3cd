extension HybridModel: CandidateRanking {
    /// Catalog-sized content score buffers, all zeros whenever they are in the pool: a query
    /// writes only the items it touches and clears exactly those before giving it back.
    private static let zeroedScratch = ScratchPool()
    /// Catalog-sized marks (1 = already offered to the heap), all zeros in the pool likewise: a
    /// look-up per content neighbour that costs an array read, where a set's hashing was the
    /// largest cost for people with long histories.
    private static let zeroedMarks = ScratchPool()

    /// The hybrid's top items without scoring the whole catalog. Only three kinds of item can
    /// lead: those the collaborative part ranks high (the pruned int8 scan of
    /// `MatrixFactorizationModel`), neighbours of the history (every other item has content
    /// score 0) and the most popular (popularity breaks ties). Those are scored exactly, with
    /// the formula `score` uses. Any other allowed item scores at most
    /// share (T + E) / scale + 0.001 p / pmax, where T is the worst approximate score in the
    /// collaborative pool, E the quantization error bound and p the popularity of the last
    /// popular candidate. When the k-th candidate beats that bound the result is exactly what
    /// scoring every item gives; when it does not, a pool four and then sixteen times larger is
    /// tried, and only then is every item scored.
    public func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        rankCandidates(user: user, history: history, count: count, keep: keep).items
    }

    /// `top`, and whether it had to score every item.
    func rankCandidates(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> (items: [ScoredItem], scoredEveryItem: Bool) {
        guard count > 0 else { return ([], false) }
        let share = collaborativeShare(history.indices.count)
        let vector = history.indices.isEmpty ? nil : collaborative.queryVector(user: user, history: history)
        let cfScale = vector.map(collaborativeScale) ?? 1

        // Content, accumulated in the order `ItemKNNModel.score` adds, so the sums are the
        // same. Every touched item has a positive score (positive weights and similarities).
        var contentScores = Self.zeroedScratch.takeZeroed(count: itemCount)
        var touched: [Int] = []
        for (source, weight) in zip(history.indices, history.values) where Int(source) < content.neighbours.count {
            for neighbour in content.neighbours[Int(source)] {
                if contentScores[neighbour.item] == 0 { touched.append(neighbour.item) }
                contentScores[neighbour.item] += weight * neighbour.score
            }
        }
        defer {
            for item in touched { contentScores[item] = 0 }
            Self.zeroedScratch.give(contentScores)
        }
        // The content scale is the largest content score over all items, allowed or not.
        var contentScale: Float = 0
        for item in touched { contentScale = max(contentScale, contentScores[item]) }
        contentScale = max(contentScale, 1e-12)

        func blended(_ item: Int) -> Float {
            let cf = vector.map { collaborative.exactScore(item: item, vector: $0) } ?? 0
            return blend(
                share: share, collaborative: cf, cfScale: cfScale, content: contentScores[item], contentScale: contentScale, item: item)
        }

        // Popularity: the first `count` allowed items in popularity order.
        var popular: [Int] = []
        var popularityBound: Float = 0
        for item in popularityOrder where keep(Int(item)) {
            popular.append(Int(item))
            popularityBound = popularity[Int(item)]
            if popular.count == count { break }
        }

        guard let vector, popular.count == count else {
            // Every allowed item is a candidate already (fewer allowed than asked for), or
            // nothing but popularity counts (no history: popularity order breaks ties as `TopK`
            // does). The rules are asked only about items that would enter (`TopKHeap.offer`).
            var best = TopKHeap(k: count)
            for item in touched { best.offer(item, score: blended(item), where: keep) }
            for item in popular where contentScores[item] == 0 { best.offer(item, score: blended(item)) { _ in true } }
            return (best.sorted(), false)
        }

        let queryNorm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        let firstPool = max(count * 4, MatrixFactorizationModel.candidatePool)
        let error = collaborative.quantizationError(query: vector)
        var offered = Self.zeroedMarks.takeZeroed(count: itemCount)
        for item in popular { offered[item] = 1 }
        defer {
            for item in popular { offered[item] = 0 }
            Self.zeroedMarks.give(offered)
        }
        for pool in [firstPool, firstPool * 4, firstPool * 16] {
            // Exact scores for the popular and pooled items first: they set the bar that the
            // content neighbours must clear.
            var best = TopKHeap(k: count)
            for item in popular { best.offer(item, score: blended(item)) { _ in true } }
            let scanned = collaborative.firstPass(vector, pool: pool, prune: true, keep: keep).candidates
            var pooled: [Int] = []
            pooled.reserveCapacity(scanned.count)
            defer { for item in pooled { offered[item] = 0 } }
            for entry in scanned where offered[entry.item] == 0 {
                offered[entry.item] = 1
                pooled.append(entry.item)
                best.offer(entry.item, score: blended(entry.item)) { _ in true }
            }
            // A neighbour's collaborative score is at most its norm times the query's: when even
            // that cannot reach the bar, its exact score is not needed.
            for item in touched where offered[item] == 0 {
                if best.isFull {
                    let optimistic = blend(
                        share: share, collaborative: collaborative.itemNorms[item] * queryNorm * 1.0001 + 1e-6 + collaborative.largestBias, cfScale: cfScale,
                        content: contentScores[item], contentScale: contentScale, item: item)
                    if optimistic < best.threshold { continue }
                }
                best.offer(item, score: blended(item), where: keep)
            }
            let ranked = best.sorted()
            // A pool that is not full holds every allowed item.
            guard scanned.count == pool, let worst = scanned.last else { return (ranked, false) }
            let outsiderBound = share * (worst.score + error) / cfScale + 0.001 * popularityBound / popularityScale
            if ranked.count == count, let last = ranked.last, last.score > outsiderBound { return (ranked, false) }
        }
        var scores = [Float](repeating: 0, count: itemCount)
        score(user: user, history: history, into: &scores)
        return (TopK.select(scores, k: count, where: keep), true)
    }
}
