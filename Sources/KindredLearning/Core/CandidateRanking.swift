/// Models that can produce their top items without an exact score for every item: serving
/// uses this for large catalogs. `keep` applies the request's business rules while selecting.
public protocol CandidateRanking: RecommenderModel {
    func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem]
}

extension MatrixFactorizationModel: CandidateRanking {
    /// How many approximate candidates the exact pass re-scores (at least).
    public static let candidatePool = 100
    /// Items scanned between checks of the bound that ends the scan.
    static let scanChunkBlocks = 16

    /// Two passes: int8-quantized scores pick the best `max(4 count, 100)` allowed candidates;
    /// exact Float32 scores rank those.
    ///
    /// The first pass scans items in descending order of norm and stops once no item left can
    /// score above the candidates already held: its score is at most its norm times the query's
    /// (plus quantization error, see `QuantizedRows.scoreBound`). The candidates are therefore
    /// exactly those of a scan of every item, while in implicit-feedback models, where the
    /// popular items carry most of the norm, a query usually stops after the head of the catalog.
    public func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        let vector = queryVector(user: user, history: history)
        let candidates = firstPass(vector, pool: max(count * 4, Self.candidatePool), prune: true, keep: keep).candidates
        return rankExactly(candidates, vector: vector, count: count)
    }

    /// The same without ending the scan early: what `top` must equal (the tests compare them).
    func topScanningEveryItem(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        let vector = queryVector(user: user, history: history)
        let candidates = firstPass(vector, pool: max(count * 4, Self.candidatePool), prune: false, keep: keep).candidates
        return rankExactly(candidates, vector: vector, count: count)
    }

    func queryVector(user: Int?, history: SparseVector) -> [Float] {
        if let user, user < userCount { return userVector(user) }
        return foldIn(history)
    }

    /// The `pool` best allowed items by approximate score, and how many rows were scanned.
    func firstPass(_ vector: [Float], pool: Int, prune: Bool, keep: (Int) -> Bool) -> (candidates: [ScoredItem], scannedRows: Int) {
        let query = quantizedItems.quantize(vector)
        let queryNorm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        let chunkRows = Self.scanChunkBlocks * QuantizedRows.blockRows
        var scores = ScratchPool.shared.take(count: chunkRows)
        defer { ScratchPool.shared.give(scores) }
        var best = TopKHeap(k: pool)
        let blocks = quantizedItems.blockCount
        var block = 0
        while block < blocks {
            let end = min(blocks, block + Self.scanChunkBlocks)
            scores.withUnsafeMutableBufferPointer { out in quantizedItems.scan(query, blocks: block..<end, into: out.baseAddress!) }
            let first = block * QuantizedRows.blockRows
            for row in first..<min(itemCount, end * QuantizedRows.blockRows) {
                let item = Int(scanOrder[row])
                let score = scores[row - first] + (itemBias.isEmpty ? 0 : itemBias[item])
                best.offer(item, score: score, where: keep)
            }
            block = end
            let next = block * QuantizedRows.blockRows
            if prune, best.isFull, next < itemCount,
                quantizedItems.scoreBound(rowNorm: scanNorms[next], query: query, queryNorm: queryNorm) + largestBias < best.threshold
            {
                break
            }
        }
        return (best.sorted(), min(itemCount, block * QuantizedRows.blockRows))
    }

    /// The exact score of one item for a query vector, as `score(vector:into:)` computes it.
    func exactScore(item: Int, vector: [Float]) -> Float {
        let score = itemFactors.withUnsafeBufferPointer { y in
            vector.withUnsafeBufferPointer { v in VectorMath.dot(y.baseAddress! + item * factors, v.baseAddress!, factors) }
        }
        return score + (itemBias.isEmpty ? 0 : itemBias[item])
    }

    /// How far an approximate (int8) score can be from the exact one, for any item and this
    /// query. Each row coordinate is off by at most norm / 254 and each query coordinate by
    /// half the query's step, so |exact - approximate| is at most
    /// norm (|q| sqrt(d) / 254 + (step sqrt(d) / 2)(1 + sqrt(d) / 254)); the largest item norm
    /// bounds every row, and a little slack covers float rounding.
    func quantizationError(query vector: [Float]) -> Float {
        let query = quantizedItems.quantize(vector)
        let queryNorm = vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
        let root = Float(factors).squareRoot()
        let largestNorm = scanNorms.first ?? 0
        return largestNorm * (queryNorm * root / 254 + query.scale * root / 2 * (1 + root / 254)) * 1.001 + 1e-6
    }

    func rankExactly(_ candidates: [ScoredItem], vector: [Float], count: Int) -> [ScoredItem] {
        var exact = candidates.map { ScoredItem(item: $0.item, score: exactScore(item: $0.item, vector: vector)) }
        exact.sort { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
        return Array(exact.prefix(count))
    }
}

extension MatrixFactorizationModel {
    /// Catalogs above this many items find similar items by the quantized scan; smaller ones
    /// score every item exactly (where the scan would save little).
    public static let similarScanThreshold = 20_000

    /// The items most like `item` by cosine, found as the candidate scan finds a person's: the
    /// int8 scan of every item gives approximate cosines (approximate dot product over the
    /// item's norm; the quantization error scales with the row norm, so the error in cosine is
    /// bounded alike for every item), the best `max(4 count, 100)` are scored exactly. A page
    /// asks this for every "because you viewed" block: a quarter of the float pass's memory
    /// traffic, and no array of a score per item.
    func similarItemsByScan(to item: Int, count: Int) -> [ScoredItem] {
        guard item < itemCount, itemNorms[item] > 0, count > 0 else { return [] }
        let vector = Array(itemFactors[(item * factors)..<((item + 1) * factors)])
        let query = quantizedItems.quantize(vector)
        let chunkRows = Self.scanChunkBlocks * QuantizedRows.blockRows
        var scores = ScratchPool.shared.take(count: chunkRows)
        defer { ScratchPool.shared.give(scores) }
        var best = TopKHeap(k: max(count * 4, Self.candidatePool))
        var block = 0
        while block < quantizedItems.blockCount {
            let end = min(quantizedItems.blockCount, block + Self.scanChunkBlocks)
            scores.withUnsafeMutableBufferPointer { out in quantizedItems.scan(query, blocks: block..<end, into: out.baseAddress!) }
            let first = block * QuantizedRows.blockRows
            for row in first..<min(itemCount, end * QuantizedRows.blockRows) {
                let norm = scanNorms[row]
                guard norm > 0 else { break }  // rows are in descending order of norm: only zeros follow
                let other = Int(scanOrder[row])
                best.offer(other, score: scores[row - first] / norm) { $0 != item }
            }
            block = end
        }
        let norm = itemNorms[item]
        var exact = best.sorted().map { candidate in
            ScoredItem(item: candidate.item, score: (exactScore(item: candidate.item, vector: vector) - (itemBias.isEmpty ? 0 : itemBias[candidate.item])) / (itemNorms[candidate.item] * norm))
        }
        exact.sort { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
        return Array(exact.prefix(count))
    }
}
