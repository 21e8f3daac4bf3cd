import Foundation

/// Hyper-parameters of neural collaborative filtering.
public struct NeuralCFParameters: Sendable, Equatable {
    /// GMF embedding length and the MLP's last width (see `NeuralCFShape`).
    public var factors = 16
    /// Hidden layers of the MLP tower.
    public var layers = 2
    /// Unobserved items drawn per observed one, uniformly, as the paper samples (it found 3 to
    /// 6 best).
    public var negatives = 4
    public var epochs = 10
    /// Adagrad's step size: each parameter's step shrinks with its own accumulated squared
    /// gradients, so rare items' embeddings still move when popular ones have settled.
    public var learningRate: Float = 0.05
    /// L2 penalty on the embeddings.
    public var regularization: Float = 0.001

    public init() {}

    public var shape: NeuralCFShape { NeuralCFShape(factors: factors, layers: layers) }
}

/// Neural collaborative filtering, NeuMF (He et al., WWW 2017): GMF and MLP towers fused,
/// trained on implicit feedback as classification. Every observed (person, item) pair is a
/// positive; `negatives` unobserved items per positive are drawn each epoch; the loss is the
/// log loss. Weights are binary, as the paper's: the model learns what people interact with,
/// not how strongly.
///
/// With `threads > 1` each epoch's shuffled positives are split between threads that update
/// the shared parameters without locks (Hogwild, as `SkipGram` trains): every random draw
/// follows from the seed, but how the threads' updates interleave is the scheduler's, so such
/// runs agree in quality, not to the bit. One thread reproduces its result exactly.
public struct NeuralCFAlgorithm: RecommenderAlgorithm {
    public var parameters: NeuralCFParameters
    public var threads: Int
    public var seed: UInt64

    public init(parameters: NeuralCFParameters = NeuralCFParameters(), threads: Int = 2, seed: UInt64 = 42) {
        self.parameters = parameters
        self.threads = threads
        self.seed = seed
    }

    public var name: String { "ncf" }
    public var hyperparameters: [String: Double] {
        let p = parameters
        return [
            "factors": Double(p.factors), "layers": Double(p.layers), "negatives": Double(p.negatives), "epochs": Double(p.epochs),
            "learning_rate": Double(decimal: p.learningRate), "regularization": Double(decimal: p.regularization), "seed": Double(seed),
        ]
    }

    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        let matrix = data.interactions
        let shape = parameters.shape
        var random = SeededGenerator(seed: seed)
        var network = NeuralCFWeights.initial(shape: shape, users: matrix.rows, items: matrix.columns, using: &random)
        if matrix.nonZeroCount > 0, matrix.columns > 1, parameters.epochs > 0 {
            NeuralCFTrainer(parameters: parameters, matrix: matrix, threads: threads).train(&network, using: &random)
        }
        return NeuralCFModel(weights: network, negatives: parameters.negatives, regularization: parameters.regularization)
    }
}

/// A NeuMF network's parameters: embedding rows for users and items, and the dense vector.
public struct NeuralCFWeights: Sendable, Equatable {
    public let shape: NeuralCFShape
    /// users x `shape.rowLength`, row-major.
    public var users: [Float]
    /// items x `shape.rowLength`, row-major.
    public var items: [Float]
    /// `shape.denseCount` floats (see the shape's offsets).
    public var dense: [Float]

    public init(shape: NeuralCFShape, users: [Float], items: [Float], dense: [Float]) {
        precondition(dense.count == shape.denseCount, "dense parameters do not fit the shape")
        self.shape = shape
        self.users = users
        self.items = items
        self.dense = dense
    }

    public var userCount: Int { users.count / shape.rowLength }
    public var itemCount: Int { items.count / shape.rowLength }

    /// Embeddings from N(0, 0.01), as the paper initializes them; layers by Glorot's uniform
    /// rule, biases at zero.
    static func initial(shape: NeuralCFShape, users: Int, items: Int, using random: inout SeededGenerator) -> NeuralCFWeights {
        let userRows = (0..<(users * shape.rowLength)).map { _ in Float(random.nextGaussian() * 0.01) }
        let itemRows = (0..<(items * shape.rowLength)).map { _ in Float(random.nextGaussian() * 0.01) }
        var dense = [Float](repeating: 0, count: shape.denseCount)
        func glorot(at offset: Int, inputs: Int, outputs: Int) {
            let limit = (6 / Double(inputs + outputs)).squareRoot()
            for index in offset..<(offset + inputs * outputs) { dense[index] = Float((random.nextUnit() * 2 - 1) * limit) }
        }
        for layer in 0..<shape.layers {
            glorot(at: shape.weightOffset(of: layer), inputs: shape.inputs(of: layer), outputs: shape.widths[layer])
        }
        glorot(at: shape.outputGMFOffset, inputs: 2 * shape.factors, outputs: 1)
        return NeuralCFWeights(shape: shape, users: userRows, items: itemRows, dense: dense)
    }
}
