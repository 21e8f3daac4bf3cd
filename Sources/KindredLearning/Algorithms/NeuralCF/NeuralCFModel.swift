import Foundation
import KindredKernels

/// A fitted NeuMF network. Scores are probabilities that the person interacts with the item
/// (the network's logistic output), so every item scores above zero.
///
/// A person the network was not trained on, or whose history changed since, is folded in: with
/// items and layers fixed, their embedding row is fitted to their history against sampled
/// unobserved items by a few Adagrad steps, starting from the average person. The negatives
/// are drawn from a seed made of the history, so the same history always gets the same list.
public struct NeuralCFModel: CandidateRanking {
    public let weights: NeuralCFWeights
    /// Negatives per history item when folding in, as in training.
    public let negatives: Int
    public let regularization: Float
    /// Per item, its half of the first MLP layer plus the layer's bias: items x first width.
    let itemFirstLayers: [Float]
    /// The mean of the trained people's rows, where fold-in starts.
    let meanUserRow: [Float]
    /// The layers after the first, packed for the scoring kernel (`kk_ncf_logits`): per layer
    /// its weights transposed then its bias, then the output weights on the last layer.
    let packedTail: [Float]
    /// Per item, what it brings to both towers (see `similarItems`), scaled to unit length
    /// (zero rows stay zero): items x (factors + first width).
    let itemProfiles: [Float]

    /// Fold-in's Adagrad steps and step size.
    static let foldInSteps = 20
    static let foldInRate: Float = 0.1
    /// Fold-in reads at most this many history items, the most weighted.
    static let foldInHistory = 200

    public init(weights: NeuralCFWeights, negatives: Int, regularization: Float) {
        self.weights = weights
        self.negatives = max(1, negatives)
        self.regularization = regularization
        let shape = weights.shape
        let first = shape.widths[0]
        let inputs = shape.inputs(of: 0)
        let e = shape.mlpEmbedding
        let items = weights.itemCount
        var halves = [Float](repeating: 0, count: items * first)
        weights.dense.withUnsafeBufferPointer { dense in
            weights.items.withUnsafeBufferPointer { rows in
                let layer = dense.baseAddress! + shape.weightOffset(of: 0)
                for item in 0..<items {
                    let mlp = rows.baseAddress! + item * shape.rowLength + shape.factors
                    for unit in 0..<first {
                        halves[item * first + unit] =
                            VectorMath.dot(layer + unit * inputs + e, mlp, e) + dense[shape.biasOffset(of: 0) + unit]
                    }
                }
            }
        }
        itemFirstLayers = halves
        var mean = [Float](repeating: 0, count: shape.rowLength)
        let users = weights.userCount
        if users > 0 {
            for user in 0..<users { for d in 0..<shape.rowLength { mean[d] += weights.users[user * shape.rowLength + d] } }
            for d in mean.indices { mean[d] /= Float(users) }
        }
        meanUserRow = mean
        itemProfiles = Self.profiles(weights: weights, itemFirstLayers: halves)
        var tail: [Float] = []
        for layer in 1..<max(shape.layers, 1) {
            let inputs = shape.inputs(of: layer)
            let width = shape.widths[layer]
            let offset = shape.weightOffset(of: layer)
            for j in 0..<inputs { for unit in 0..<width { tail.append(weights.dense[offset + unit * inputs + j]) } }
            tail += weights.dense[shape.biasOffset(of: layer)..<(shape.biasOffset(of: layer) + width)]
        }
        tail += weights.dense[shape.outputMLPOffset..<(shape.outputMLPOffset + shape.factors)]
        packedTail = tail
    }

    public var itemCount: Int { weights.itemCount }
    public var userCount: Int { weights.userCount }

    /// The embedding row that stands for the person: their trained row, or one folded in.
    public func userRow(user: Int?, history: SparseVector) -> [Float] {
        if let user, user < userCount {
            return Array(weights.users[(user * weights.shape.rowLength)..<((user + 1) * weights.shape.rowLength)])
        }
        return foldIn(history)
    }

    public func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        let query = self.query(user: user, history: history)
        scores.withUnsafeMutableBufferPointer { out in
            var scratch = scanScratch
            logits(query, items: 0..<itemCount, into: out.baseAddress!, scratch: &scratch)
            for item in 0..<itemCount { out[item] = NeuralCFMath.sigmoid(out[item]) }
        }
    }

    /// Every allowed item is scored exactly: the tower is not a dot product, so no bound
    /// prunes the scan as it does for factor models. The scan runs in blocks through one
    /// kernel (its cost is measured in docs/benchmarks.md).
    public func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        let query = self.query(user: user, history: history)
        var best = TopKHeap(k: count)
        var block = ScratchPool.shared.take(count: Self.scanBlock)
        defer { ScratchPool.shared.give(block) }
        var scratch = scanScratch
        block.withUnsafeMutableBufferPointer { out in
            for first in stride(from: 0, to: itemCount, by: Self.scanBlock) {
                let items = first..<min(itemCount, first + Self.scanBlock)
                logits(query, items: items, into: out.baseAddress!, scratch: &scratch)
                for item in items { best.offer(item, score: out[item - first], where: keep) }
            }
        }
        return best.sorted().map { ScoredItem(item: $0.item, score: NeuralCFMath.sigmoid($0.score)) }
    }

    /// Items scored per kernel call in `top`.
    static let scanBlock = 1024

    /// The person's part of every score, from their row.
    func query(user: Int?, history: SparseVector) -> NeuralCFScorer.Query {
        let row = userRow(user: user, history: history)
        let scorer = NeuralCFScorer(weights: weights)
        return row.withUnsafeBufferPointer { scorer.query(userRow: $0.baseAddress!) }
    }

    /// The kernel's working memory for one scan: two layers' activations.
    var scanScratch: [Float] { [Float](repeating: 0, count: 2 * weights.shape.widths[0]) }

    /// Logits of `items` for the person of `query`, into `out[0 ..< items.count]`; `scratch`
    /// (from `scanScratch`) is reused from block to block of one scan.
    func logits(
        _ query: NeuralCFScorer.Query, items: Range<Int>, into out: UnsafeMutablePointer<Float>, scratch: inout [Float]
    ) {
        let shape = weights.shape
        let widths = shape.widths
        withPointers { itemRows, firstLayers, dense in
            packedTail.withUnsafeBufferPointer { tail in
                query.firstLayer.withUnsafeBufferPointer { personFirst in
                    query.gmf.withUnsafeBufferPointer { gmf in
                        kk_ncf_logits(
                            items.lowerBound, items.count, firstLayers, personFirst.baseAddress!, widths[0], itemRows, shape.rowLength,
                            gmf.baseAddress!, shape.factors, tail.baseAddress!, widths, shape.layers, dense[shape.outputBiasOffset],
                            &scratch, out)
                    }
                }
            }
        }
    }

    /// Cosine neighbours on what an item brings to both towers: its GMF embedding weighted as
    /// the output unit weighs it, and its half of the first MLP layer (without the bias).
    public func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        guard item >= 0, item < itemCount else { return [] }
        let length = weights.shape.factors + weights.shape.widths[0]
        var scores = [Float](repeating: 0, count: itemCount)
        itemProfiles.withUnsafeBufferPointer { profiles in
            scores.withUnsafeMutableBufferPointer { out in
                VectorMath.multiplyRows(
                    profiles.baseAddress!, count: itemCount, dimension: length, by: profiles.baseAddress! + item * length,
                    into: out.baseAddress!)
            }
        }
        return TopK.select(scores, k: count, where: { $0 != item })
    }

    private static func profiles(weights: NeuralCFWeights, itemFirstLayers: [Float]) -> [Float] {
        let shape = weights.shape
        let k = shape.factors
        let first = shape.widths[0]
        let length = k + first
        var profiles = [Float](repeating: 0, count: weights.itemCount * length)
        for item in 0..<weights.itemCount {
            let base = item * length
            for d in 0..<k { profiles[base + d] = weights.dense[shape.outputGMFOffset + d] * weights.items[item * shape.rowLength + d] }
            for unit in 0..<first {
                profiles[base + k + unit] = itemFirstLayers[item * first + unit] - weights.dense[shape.biasOffset(of: 0) + unit]
            }
            let norm = profiles[base..<(base + length)].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for d in base..<(base + length) { profiles[d] /= norm } }
        }
        return profiles
    }

    func withPointers<Result>(
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) -> Result
    ) -> Result {
        weights.items.withUnsafeBufferPointer { items in
            itemFirstLayers.withUnsafeBufferPointer { firstLayers in
                weights.dense.withUnsafeBufferPointer { dense in body(items.baseAddress!, firstLayers.baseAddress!, dense.baseAddress!) }
            }
        }
    }
}
