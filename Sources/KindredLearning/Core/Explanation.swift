/// Why a model recommends an item: the history item that contributed most. Models that can
/// say so implement `explain`; the others return nil and the caller falls back to a generic
/// reason.
public protocol ExplainableModel: RecommenderModel {
    func explain(item: Int, history: SparseVector) -> Int?
}

extension ItemKNNModel: ExplainableModel {
    public func explain(item: Int, history: SparseVector) -> Int? {
        var best: (item: Int, contribution: Float)?
        for (source, weight) in zip(history.indices, history.values) where Int(source) < neighbours.count {
            if let neighbour = neighbours[Int(source)].first(where: { $0.item == item }) {
                let contribution = weight * neighbour.score
                if contribution > (best?.contribution ?? 0) { best = (Int(source), contribution) }
            }
        }
        return best?.item
    }
}

extension MatrixFactorizationModel: ExplainableModel {
    /// The history item whose factors are closest (cosine) to the recommended item's.
    public func explain(item: Int, history: SparseVector) -> Int? {
        guard item < itemCount else { return nil }
        var best: (item: Int, similarity: Float)?
        itemFactors.withUnsafeBufferPointer { y in
            let target = y.baseAddress! + item * factors
            // The norms computed when the model was built: the same dot products, done once.
            let targetNorm = itemNorms[item]
            for source in history.indices where Int(source) < itemCount && Int(source) != item {
                let other = y.baseAddress! + Int(source) * factors
                let norm = itemNorms[Int(source)] * targetNorm
                guard norm > 0 else { continue }
                let similarity = VectorMath.dot(target, other, factors) / norm
                if best == nil || similarity > best!.similarity { best = (Int(source), similarity) }
            }
        }
        return best?.item
    }
}

extension HybridModel: ExplainableModel {
    public func explain(item: Int, history: SparseVector) -> Int? {
        content.explain(item: item, history: history) ?? collaborative.explain(item: item, history: history)
    }
}
