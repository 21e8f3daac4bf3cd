import Foundation

/// Scores items for one person with the first MLP layer split in two: the item's half
/// (`itemFirstLayer`, computed once per model) and the person's half (computed once per
/// query), so an item costs the rest of the tower and two short dot products, not the full
/// first layer. Fold-in drives the same code backwards, to the person's embeddings only.
struct NeuralCFScorer: ~Copyable {
    let weights: NeuralCFWeights
    /// Per layer, its pre-activation; per layer, its output after the ReLU.
    private let preActivations: [UnsafeMutablePointer<Float>]
    private let outputs: [UnsafeMutablePointer<Float>]
    private let upstream: UnsafeMutablePointer<Float>
    private let downstream: UnsafeMutablePointer<Float>

    init(weights: NeuralCFWeights) {
        self.weights = weights
        let shape = weights.shape
        preActivations = shape.widths.map { UnsafeMutablePointer<Float>.allocate(capacity: $0) }
        outputs = shape.widths.map { UnsafeMutablePointer<Float>.allocate(capacity: $0) }
        upstream = .allocate(capacity: shape.widths[0])
        downstream = .allocate(capacity: shape.widths[0])
    }

    deinit {
        for buffer in preActivations + outputs { buffer.deallocate() }
        upstream.deallocate()
        downstream.deallocate()
    }

    /// What a person brings to every item's score: the GMF weights times their GMF embedding,
    /// and their half of the first layer.
    struct Query {
        var gmf: [Float]
        var firstLayer: [Float]
    }

    func query(userRow row: UnsafePointer<Float>) -> Query {
        let shape = weights.shape
        let k = shape.factors
        let e = shape.mlpEmbedding
        let inputs = shape.inputs(of: 0)
        return weights.dense.withUnsafeBufferPointer { dense in
            let base = dense.baseAddress!
            let gmf = (0..<k).map { base[shape.outputGMFOffset + $0] * row[$0] }
            let first = (0..<shape.widths[0]).map { unit in
                VectorMath.dot(base + shape.weightOffset(of: 0) + unit * inputs, row + k, e)
            }
            return Query(gmf: gmf, firstLayer: first)
        }
    }

    /// The logit of `item` for the person of `query`; `itemFirstLayer` is the item's half of
    /// the first layer with its bias (`NeuralCFModel.itemFirstLayers`).
    func logit(
        _ query: borrowing Query, item: Int, itemRows: UnsafePointer<Float>, itemFirstLayer: UnsafePointer<Float>,
        dense: UnsafePointer<Float>
    ) -> Float {
        let shape = weights.shape
        let k = shape.factors
        let first = shape.widths[0]
        let itemHalf = itemFirstLayer + item * first
        query.firstLayer.withUnsafeBufferPointer { personHalf in
            for unit in 0..<first {
                let pre = personHalf[unit] + itemHalf[unit]
                preActivations[0][unit] = pre
                outputs[0][unit] = max(pre, 0)
            }
        }
        for layer in 1..<shape.layers {
            let width = shape.widths[layer]
            let pre = preActivations[layer]
            let out = outputs[layer]
            VectorMath.multiplyRows(
                dense + shape.weightOffset(of: layer), count: width, dimension: shape.inputs(of: layer), by: outputs[layer - 1], into: pre)
            let bias = dense + shape.biasOffset(of: layer)
            for unit in 0..<width {
                pre[unit] += bias[unit]
                out[unit] = max(pre[unit], 0)
            }
        }
        let gmf = query.gmf.withUnsafeBufferPointer { VectorMath.dot($0.baseAddress!, itemRows + item * shape.rowLength, k) }
        return dense[shape.outputBiasOffset] + gmf + VectorMath.dot(dense + shape.outputMLPOffset, outputs[shape.layers - 1], k)
    }

    /// After `logit` for the same item: adds the loss's gradient (derivative `g` at the logit)
    /// with respect to the first layer's pre-activation into `firstLayerGradient`.
    func addFirstLayerGradient(g: Float, dense: UnsafePointer<Float>, into firstLayerGradient: UnsafeMutablePointer<Float>) {
        let shape = weights.shape
        let k = shape.factors
        var outputGradient = upstream
        var inputGradient = downstream
        for d in 0..<k { outputGradient[d] = g * dense[shape.outputMLPOffset + d] }
        for layer in stride(from: shape.layers - 1, through: 1, by: -1) {
            let inputs = shape.inputs(of: layer)
            let weightsOfLayer = dense + shape.weightOffset(of: layer)
            inputGradient.update(repeating: 0, count: inputs)
            for unit in 0..<shape.widths[layer] where preActivations[layer][unit] > 0 {
                VectorMath.axpy(outputGradient[unit], weightsOfLayer + unit * inputs, inputGradient, inputs)
            }
            swap(&outputGradient, &inputGradient)
        }
        for unit in 0..<shape.widths[0] where preActivations[0][unit] > 0 { firstLayerGradient[unit] += outputGradient[unit] }
    }
}
