/// The layout of a NeuMF network (He et al., "Neural Collaborative Filtering", WWW 2017): a
/// generalized matrix factorization (GMF) tower and a multi-layer perceptron (MLP) tower, each
/// with embeddings of its own, fused by one output unit.
///
/// A user's (or an item's) embeddings are one row: the GMF part, then the MLP part. Keeping
/// them together lets the registry store a person as one vector, which erasure removes whole.
/// The dense parameters (the MLP's layers and the output unit) are one flat vector, so that
/// training, the gradient check and the stored artifact all read the same offsets.
///
/// The MLP halves its width at each layer down to `factors` (the paper's tower pattern), and
/// its embeddings are as wide as its first layer, so `factors = 8, layers = 3` is the paper's
/// `[64, 32, 16, 8]`.
public struct NeuralCFShape: Sendable, Equatable {
    /// GMF embedding length and the width of the MLP's last layer (the paper's "predictive
    /// factors").
    public let factors: Int
    /// Hidden layers of the MLP.
    public let layers: Int

    public init(factors: Int, layers: Int) {
        precondition(factors >= 1 && layers >= 1, "a NeuMF network needs at least one factor and one layer")
        self.factors = factors
        self.layers = layers
    }

    /// The MLP embedding length per side; the tower's input is the user's and the item's
    /// concatenated.
    public var mlpEmbedding: Int { factors << (layers - 1) }
    /// One embedding row: GMF part then MLP part.
    public var rowLength: Int { factors + mlpEmbedding }
    /// Widths of the hidden layers, first to last.
    public var widths: [Int] { (0..<layers).map { factors << (layers - 1 - $0) } }

    /// Inputs of hidden layer `layer`.
    public func inputs(of layer: Int) -> Int { layer == 0 ? 2 * mlpEmbedding : factors << (layers - layer) }

    /// Where layer `layer`'s weights (row-major, one row of `inputs(of:)` per unit) begin.
    public func weightOffset(of layer: Int) -> Int {
        var offset = 0
        for l in 0..<layer { offset += (inputs(of: l) + 1) * (factors << (layers - 1 - l)) }
        return offset
    }

    /// Where layer `layer`'s biases begin (right after its weights).
    public func biasOffset(of layer: Int) -> Int { weightOffset(of: layer) + inputs(of: layer) * (factors << (layers - 1 - layer)) }

    /// The output unit's weights on the GMF product, on the MLP's last layer, then its bias.
    public var outputGMFOffset: Int { weightOffset(of: layers) }
    public var outputMLPOffset: Int { outputGMFOffset + factors }
    public var outputBiasOffset: Int { outputMLPOffset + factors }
    /// Length of the dense parameter vector.
    public var denseCount: Int { outputBiasOffset + 1 }
}
