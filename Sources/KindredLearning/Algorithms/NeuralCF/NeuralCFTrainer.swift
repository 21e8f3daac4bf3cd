import Foundation

/// Trains a NeuMF network by Adagrad on the log loss over observed pairs and sampled negatives.
///
/// Embedding rows are updated after every pair (each pair touches one user row and one item
/// row); the dense parameters, which every pair touches, sum their gradients over
/// `denseBatch` pairs and are updated once per batch, which is both the paper's mini-batch
/// for them and far less contention between threads.
struct NeuralCFTrainer {
    let parameters: NeuralCFParameters
    let matrix: SparseMatrix
    let threads: Int
    /// Pairs whose dense gradients are summed before one update.
    static let denseBatch = 32

    func train(_ network: inout NeuralCFWeights, using random: inout SeededGenerator) {
        let shape = network.shape
        let nonZeros = matrix.nonZeroCount
        let rowOfEntry = {
            var rows = [Int32](repeating: 0, count: nonZeros)
            for row in 0..<matrix.rows { for k in matrix.rowStarts[row]..<matrix.rowStarts[row + 1] { rows[k] = Int32(row) } }
            return rows
        }()
        var userSquares = [Float](repeating: 0, count: network.users.count)
        var itemSquares = [Float](repeating: 0, count: network.items.count)
        var denseSquares = [Float](repeating: 0, count: network.dense.count)
        var order = (0..<nonZeros).map { Int32($0) }
        let workers = max(1, min(threads, nonZeros))
        let step = AdagradStep(learningRate: parameters.learningRate, regularization: parameters.regularization)
        let negatives = parameters.negatives
        let items = matrix.columns

        for _ in 0..<parameters.epochs {
            for index in stride(from: nonZeros - 1, to: 0, by: -1) { order.swapAt(index, random.nextInt(below: index + 1)) }
            let epochSeed = random.next()
            network.users.withUnsafeMutableBufferPointer { users in
                network.items.withUnsafeMutableBufferPointer { itemRows in
                    network.dense.withUnsafeMutableBufferPointer { dense in
                        userSquares.withUnsafeMutableBufferPointer { userG in
                            itemSquares.withUnsafeMutableBufferPointer { itemG in
                                denseSquares.withUnsafeMutableBufferPointer { denseG in
                                    let shared = NeuralCFSharedState(
                                        users: SharedPointer(users.baseAddress!), items: SharedPointer(itemRows.baseAddress!),
                                        dense: SharedPointer(dense.baseAddress!), userSquares: SharedPointer(userG.baseAddress!),
                                        itemSquares: SharedPointer(itemG.baseAddress!), denseSquares: SharedPointer(denseG.baseAddress!))
                                    order.withUnsafeBufferPointer { order in
                                        let sharedOrder = SharedPointer(UnsafeMutablePointer(mutating: order.baseAddress!))
                                        Parallel.run(workers: workers) { worker in
                                            var draws = SeededGenerator(seed: epochSeed &+ 0x9E37_79B9 &* UInt64(worker + 1))
                                            let slice = (nonZeros * worker / workers)..<(nonZeros * (worker + 1) / workers)
                                            var learner = NeuralCFWorker(shape: shape, shared: shared, step: step)
                                            for position in slice {
                                                let entry = Int(sharedOrder[position])
                                                let user = Int(rowOfEntry[entry])
                                                learner.learn(user: user, item: Int(matrix.columnIndices[entry]), label: 1)
                                                let seen = matrix.row(user).columns
                                                for _ in 0..<negatives {
                                                    for _ in 0..<10 {
                                                        let negative = draws.nextInt(below: items)
                                                        if !BPRAlgorithm.contains(seen, Int32(negative)) {
                                                            learner.learn(user: user, item: negative, label: 0)
                                                            break
                                                        }
                                                    }
                                                }
                                            }
                                            learner.flush()
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The parameters and Adagrad accumulators that training threads share (see `SharedPointer`:
/// here the threads do overlap, by design, as Hogwild does).
struct NeuralCFSharedState: Sendable {
    let users: SharedPointer<Float>
    let items: SharedPointer<Float>
    let dense: SharedPointer<Float>
    let userSquares: SharedPointer<Float>
    let itemSquares: SharedPointer<Float>
    let denseSquares: SharedPointer<Float>
}

/// Adagrad (Duchi et al., 2011): a parameter moves by rate x gradient / sqrt(sum of its squared
/// gradients so far), with an L2 penalty added to the embeddings' gradients.
struct AdagradStep: Sendable {
    let learningRate: Float
    let regularization: Float
    static let epsilon: Float = 1e-8

    @inline(__always)
    func apply(
        _ gradient: UnsafeMutablePointer<Float>, to values: UnsafeMutablePointer<Float>, squares: UnsafeMutablePointer<Float>,
        count: Int, penalized: Bool
    ) {
        let penalty = penalized ? regularization : 0
        for index in 0..<count {
            let g = gradient[index] + penalty * values[index]
            guard g != 0 else { continue }
            let sum = squares[index] + g * g
            squares[index] = sum
            values[index] -= learningRate * g / (sum.squareRoot() + Self.epsilon)
        }
    }
}

/// One training thread: its pass buffers, its gradient buffers, its mini-batch count.
struct NeuralCFWorker: ~Copyable {
    let shape: NeuralCFShape
    let shared: NeuralCFSharedState
    let step: AdagradStep
    private let pass: NeuralCFPass
    private let userGradient: UnsafeMutablePointer<Float>
    private let itemGradient: UnsafeMutablePointer<Float>
    private let denseGradient: UnsafeMutablePointer<Float>
    private var pending = 0

    init(shape: NeuralCFShape, shared: NeuralCFSharedState, step: AdagradStep) {
        self.shape = shape
        self.shared = shared
        self.step = step
        pass = NeuralCFPass(shape: shape)
        userGradient = .allocate(capacity: shape.rowLength)
        itemGradient = .allocate(capacity: shape.rowLength)
        denseGradient = .allocate(capacity: shape.denseCount)
        denseGradient.initialize(repeating: 0, count: shape.denseCount)
    }

    deinit {
        userGradient.deallocate()
        itemGradient.deallocate()
        denseGradient.deallocate()
    }

    /// One pair: its embedding rows move now, its dense gradient joins the batch.
    mutating func learn(user: Int, item: Int, label: Float) {
        let row = shape.rowLength
        let userRow = shared.users.base + user * row
        let itemRow = shared.items.base + item * row
        let logit = pass.forward(user: userRow, item: itemRow, dense: shared.dense.base)
        let g = NeuralCFMath.sigmoid(logit) - label
        pass.backward(
            g: g, user: userRow, item: itemRow, dense: shared.dense.base, userGradient: userGradient, itemGradient: itemGradient,
            denseGradient: denseGradient)
        step.apply(userGradient, to: userRow, squares: shared.userSquares.base + user * row, count: row, penalized: true)
        step.apply(itemGradient, to: itemRow, squares: shared.itemSquares.base + item * row, count: row, penalized: true)
        pending += 1
        if pending == NeuralCFTrainer.denseBatch { flush() }
    }

    /// Applies the batch's summed dense gradient.
    mutating func flush() {
        guard pending > 0 else { return }
        step.apply(denseGradient, to: shared.dense.base, squares: shared.denseSquares.base, count: shape.denseCount, penalized: false)
        denseGradient.update(repeating: 0, count: shape.denseCount)
        pending = 0
    }
}

enum NeuralCFMath {
    /// The logistic function, saturated beyond |x| = 30 where Float cannot tell it from 0 or 1.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x > 30 { return 1 }
        if x < -30 { return 0 }
        return 1 / (1 + exp(-x))
    }
}
