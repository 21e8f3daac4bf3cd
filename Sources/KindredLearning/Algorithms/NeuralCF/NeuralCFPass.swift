import Foundation

/// One forward and backward pass of a NeuMF network for one (user, item) pair, on raw
/// pointers, with its activations kept in buffers of its own. Training gives each thread one;
/// the gradient check in the tests drives the same code.
///
/// The loss is the paper's log loss: for label y and logit s, -y log σ(s) - (1 - y) log(1 - σ(s)),
/// whose derivative with respect to s is σ(s) - y; `backward` takes that derivative.
struct NeuralCFPass: ~Copyable {
    let shape: NeuralCFShape
    /// Per layer, its input (the first is the concatenated MLP embeddings), then the last
    /// layer's output: `layers + 1` buffers.
    private let activations: [UnsafeMutablePointer<Float>]
    /// Per layer, its pre-activation (before the ReLU).
    private let preActivations: [UnsafeMutablePointer<Float>]
    /// Gradients with respect to a layer's input and output, swapped layer by layer.
    private let upstream: UnsafeMutablePointer<Float>
    private let downstream: UnsafeMutablePointer<Float>

    init(shape: NeuralCFShape) {
        self.shape = shape
        let widest = shape.inputs(of: 0)
        activations = (0...shape.layers).map { layer in
            UnsafeMutablePointer<Float>.allocate(capacity: layer < shape.layers ? shape.inputs(of: layer) : shape.factors)
        }
        preActivations = shape.widths.map { UnsafeMutablePointer<Float>.allocate(capacity: $0) }
        upstream = .allocate(capacity: widest)
        downstream = .allocate(capacity: widest)
    }

    deinit {
        for buffer in activations + preActivations { buffer.deallocate() }
        upstream.deallocate()
        downstream.deallocate()
    }

    /// The logit of `user` and `item` (embedding rows of `shape.rowLength`) under `dense`.
    func forward(user: UnsafePointer<Float>, item: UnsafePointer<Float>, dense: UnsafePointer<Float>) -> Float {
        let k = shape.factors
        let e = shape.mlpEmbedding
        activations[0].update(from: user + k, count: e)
        (activations[0] + e).update(from: item + k, count: e)
        for layer in 0..<shape.layers {
            let inputs = shape.inputs(of: layer)
            let width = shape.widths[layer]
            let pre = preActivations[layer]
            VectorMath.multiplyRows(
                dense + shape.weightOffset(of: layer), count: width, dimension: inputs, by: activations[layer], into: pre)
            let bias = dense + shape.biasOffset(of: layer)
            let out = activations[layer + 1]
            for unit in 0..<width {
                pre[unit] += bias[unit]
                out[unit] = max(pre[unit], 0)
            }
        }
        var logit = dense[shape.outputBiasOffset]
        let gmfWeights = dense + shape.outputGMFOffset
        for d in 0..<k { logit += gmfWeights[d] * user[d] * item[d] }
        logit += VectorMath.dot(dense + shape.outputMLPOffset, activations[shape.layers], k)
        return logit
    }

    /// After `forward` on the same pair: the gradients of the loss, whose derivative with
    /// respect to the logit is `g`. The user's and the item's overwrite their buffers; the
    /// dense parameters' are added to `denseGradient`, which sums a mini-batch. A unit whose
    /// ReLU was off adds nothing to its weight row and bias.
    func backward(
        g: Float, user: UnsafePointer<Float>, item: UnsafePointer<Float>, dense: UnsafePointer<Float>,
        userGradient: UnsafeMutablePointer<Float>, itemGradient: UnsafeMutablePointer<Float>, denseGradient: UnsafeMutablePointer<Float>
    ) {
        let k = shape.factors
        let e = shape.mlpEmbedding
        let gmfWeights = dense + shape.outputGMFOffset
        denseGradient[shape.outputBiasOffset] += g
        for d in 0..<k {
            denseGradient[shape.outputGMFOffset + d] += g * user[d] * item[d]
            userGradient[d] = g * gmfWeights[d] * item[d]
            itemGradient[d] = g * gmfWeights[d] * user[d]
        }
        let last = activations[shape.layers]
        let mlpWeights = dense + shape.outputMLPOffset
        for d in 0..<k {
            denseGradient[shape.outputMLPOffset + d] += g * last[d]
            upstream[d] = g * mlpWeights[d]
        }
        var outputGradient = upstream
        var inputGradient = downstream
        for layer in stride(from: shape.layers - 1, through: 0, by: -1) {
            let inputs = shape.inputs(of: layer)
            let width = shape.widths[layer]
            let weights = dense + shape.weightOffset(of: layer)
            let weightGradient = denseGradient + shape.weightOffset(of: layer)
            let biasGradient = denseGradient + shape.biasOffset(of: layer)
            let input = activations[layer]
            let pre = preActivations[layer]
            inputGradient.update(repeating: 0, count: inputs)
            for unit in 0..<width {
                guard pre[unit] > 0 else { continue }
                let delta = outputGradient[unit]
                biasGradient[unit] += delta
                VectorMath.axpy(delta, input, weightGradient + unit * inputs, inputs)
                VectorMath.axpy(delta, weights + unit * inputs, inputGradient, inputs)
            }
            swap(&outputGradient, &inputGradient)
        }
        (userGradient + k).update(from: outputGradient, count: e)
        (itemGradient + k).update(from: outputGradient + e, count: e)
    }
}
