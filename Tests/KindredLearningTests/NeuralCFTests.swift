import Foundation
import Testing

@testable import KindredLearning

/// NeuMF by hand: the layout, one forward pass and its gradients worked out on paper, every
/// gradient against finite differences, the serving scorer against the training pass,
/// determinism, and fold-in.
@Suite struct NeuralCFTests {
    /// factors 1, layers 1: one GMF factor, MLP embeddings of 1, one hidden unit.
    /// Dense: W0 = [0.25, -0.5], b0 = 2, output GMF weight 2, output MLP weight 3, bias -0.5.
    static let tiny = NeuralCFWeights(
        shape: NeuralCFShape(factors: 1, layers: 1), users: [0.5, 2], items: [-1, 3, 4, 10], dense: [0.25, -0.5, 2, 2, 3, -0.5])

    @Test func theLayoutMatchesThePapersTower() {
        let paper = NeuralCFShape(factors: 8, layers: 3)
        #expect(paper.mlpEmbedding == 32 && paper.widths == [32, 16, 8] && paper.inputs(of: 0) == 64)
        #expect(paper.rowLength == 40)
        // 64x32 + 32, 32x16 + 16, 16x8 + 8, then 8 + 8 + 1 for the output unit.
        #expect(paper.denseCount == 2080 + 528 + 136 + 17)
        #expect(paper.biasOffset(of: 0) == 2048 && paper.weightOffset(of: 1) == 2080 && paper.outputGMFOffset == 2744)
        let tiny = Self.tiny.shape
        #expect(tiny.weightOffset(of: 0) == 0 && tiny.biasOffset(of: 0) == 2 && tiny.outputGMFOffset == 3)
        #expect(tiny.outputMLPOffset == 4 && tiny.outputBiasOffset == 5 && tiny.denseCount == 6)
    }

    /// Item 0 (GMF -1, MLP 3): hidden = relu(0.25 x 2 - 0.5 x 3 + 2) = 1;
    /// logit = -0.5 + 2 x (0.5 x -1) + 3 x 1 = 1.5. Item 1 (GMF 4, MLP 10): hidden =
    /// relu(0.5 - 5 + 2) = 0; logit = -0.5 + 2 x 0.5 x 4 = 3.5.
    @Test func aForwardPassByHand() {
        let weights = Self.tiny
        let pass = NeuralCFPass(shape: weights.shape)
        let logits = weights.users.withUnsafeBufferPointer { u in
            weights.items.withUnsafeBufferPointer { i in
                weights.dense.withUnsafeBufferPointer { d in
                    (0..<2).map { pass.forward(user: u.baseAddress!, item: i.baseAddress! + $0 * 2, dense: d.baseAddress!) }
                }
            }
        }
        #expect(logits == [1.5, 3.5])
        let model = NeuralCFModel(weights: weights, negatives: 1, regularization: 0)
        var scores = [Float](repeating: 0, count: 2)
        model.score(user: 0, history: SparseVector(), into: &scores)
        #expect(abs(scores[0] - 0.817_574_48) < 1e-6 && abs(scores[1] - 0.970_687_8) < 1e-6, "\(scores)")
    }

    /// Label 1 on item 0: g = σ(1.5) - 1. Output bias g; GMF weight g x 0.5 x -1; MLP weight
    /// g x 1; W0 = g x 3 x [2, 3] and b0 = g x 3 (the unit is on); user [g x 2 x -1,
    /// g x 3 x 0.25]; item [g x 2 x 0.5, g x 3 x -0.5].
    @Test func itsGradientsByHand() {
        let weights = Self.tiny
        let g = Float(0.817_574_48) - 1
        let (user, item, dense) = Self.gradients(weights, user: 0, item: 0, label: 1)
        let expectedDense: [Float] = [g * 6, g * 9, g * 3, g * -0.5, g, g]
        let expectedUser: [Float] = [g * -2, g * 0.75]
        let expectedItem: [Float] = [g, g * -1.5]
        #expect(zip(dense, expectedDense).allSatisfy { abs($0 - $1) < 1e-6 }, "\(dense)")
        #expect(zip(user, expectedUser).allSatisfy { abs($0 - $1) < 1e-6 }, "\(user)")
        #expect(zip(item, expectedItem).allSatisfy { abs($0 - $1) < 1e-6 }, "\(item)")
        // Item 1 leaves the hidden unit off: nothing reaches W0, b0, the MLP weight or the MLP
        // embeddings.
        let (user1, item1, dense1) = Self.gradients(weights, user: 0, item: 1, label: 0)
        #expect(dense1[0] == 0 && dense1[1] == 0 && dense1[2] == 0 && dense1[4] == 0 && user1[1] == 0 && item1[1] == 0)
    }

    /// Every parameter's gradient against a central difference of the log loss, on a network
    /// with three layers and random weights.
    @Test(arguments: [Float(1), 0])
    func everyGradientMatchesFiniteDifferences(label: Float) {
        var random = SeededGenerator(seed: 11)
        let shape = NeuralCFShape(factors: 2, layers: 3)
        var weights = NeuralCFWeights.initial(shape: shape, users: 2, items: 3, using: &random)
        // Embeddings large enough that every unit sits well away from its ReLU's kink.
        weights.users = weights.users.map { _ in Float(random.nextGaussian() * 0.5) }
        weights.items = weights.items.map { _ in Float(random.nextGaussian() * 0.5) }
        // Positive biases keep most units on, so that gradients reach every layer.
        for layer in 0..<shape.layers {
            for unit in 0..<shape.widths[layer] { weights.dense[shape.biasOffset(of: layer) + unit] = Float(0.1 + random.nextUnit() * 0.5) }
        }
        let (user, item, dense) = Self.gradients(weights, user: 1, item: 2, label: label)
        let activeBiases = (0..<shape.layers).map { layer in
            (0..<shape.widths[layer]).filter { dense[shape.biasOffset(of: layer) + $0] != 0 }.count
        }
        #expect(activeBiases.allSatisfy { $0 > 0 }, "every layer has units on, so that every kind of gradient is checked: \(activeBiases)")
        func loss(_ w: NeuralCFWeights) -> Double {
            let logit = Double(Self.logit(w, user: 1, item: 2))
            return label == 1 ? log1p(exp(-logit)) : log1p(exp(logit))
        }
        func check(_ analytic: Float, _ perturb: (inout NeuralCFWeights, Float) -> Void, _ what: String) {
            let h: Float = 3e-3
            var plus = weights
            perturb(&plus, h)
            var minus = weights
            perturb(&minus, -h)
            let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
            #expect(abs(numeric - Double(analytic)) < 3e-5 + 0.01 * abs(numeric), "\(what): \(analytic) vs \(numeric)")
        }
        let row = shape.rowLength
        for d in 0..<row {
            check(user[d], { $0.users[row + d] += $1 }, "user \(d)")
            check(item[d], { $0.items[2 * row + d] += $1 }, "item \(d)")
        }
        for index in 0..<shape.denseCount { check(dense[index], { $0.dense[index] += $1 }, "dense \(index)") }
    }

    @Test func theServingScorerEqualsTheTrainingPassAndTopAgreesWithScore() {
        let data = AlgorithmContractTests.data
        let model = NeuralCFAlgorithm(parameters: AlgorithmContractTests.contractNeuralCF, threads: 1, seed: 5).fit(data) as! NeuralCFModel
        var scores = [Float](repeating: 0, count: model.itemCount)
        model.score(user: 3, history: SparseVector(), into: &scores)
        for item in 0..<model.itemCount {
            let expected = NeuralCFMath.sigmoid(Self.logit(model.weights, user: 3, item: item))
            #expect(abs(scores[item] - expected) < 1e-5, "item \(item)")
        }
        let top = model.top(user: 3, history: SparseVector(), count: 5, keep: { $0 != 0 })
        let expected = TopK.select(scores, k: 5, where: { $0 != 0 })
        #expect(top.map(\.item) == expected.map(\.item))
        #expect(zip(top, expected).allSatisfy { abs($0.score - $1.score) < 1e-6 })
    }

    /// Every shape the scoring kernel has a path for (two layers of 8, 16 or 32 factors in
    /// registers; one layer, three layers and other widths in the general loop) scores as the
    /// training pass does, on random weights with about half the hidden units off.
    @Test(arguments: [(8, 2), (16, 2), (32, 2), (4, 2), (16, 1), (16, 3)])
    func theScoringKernelEqualsTheTrainingPassForEveryShape(factors: Int, layers: Int) {
        let shape = NeuralCFShape(factors: factors, layers: layers)
        var random = SeededGenerator(seed: UInt64(factors * 10 + layers))
        func draws(_ n: Int) -> [Float] { (0..<n).map { _ in Float(random.nextGaussian()) * 0.5 } }
        let weights = NeuralCFWeights(
            shape: shape, users: draws(3 * shape.rowLength), items: draws(37 * shape.rowLength), dense: draws(shape.denseCount))
        let model = NeuralCFModel(weights: weights, negatives: 1, regularization: 0)
        var scores = [Float](repeating: 0, count: model.itemCount)
        for user in 0..<3 {
            model.score(user: user, history: SparseVector(), into: &scores)
            for item in 0..<model.itemCount {
                let expected = NeuralCFMath.sigmoid(Self.logit(weights, user: user, item: item))
                #expect(abs(scores[item] - expected) < 1e-5, "factors \(factors), layers \(layers), user \(user), item \(item)")
            }
        }
    }

    @Test func oneThreadReproducesItsResultAndTheSeedMatters() {
        let data = AlgorithmContractTests.data
        func fit(_ seed: UInt64) -> NeuralCFWeights {
            (NeuralCFAlgorithm(parameters: AlgorithmContractTests.contractNeuralCF, threads: 1, seed: seed).fit(data) as! NeuralCFModel)
                .weights
        }
        #expect(fit(7) == fit(7))
        #expect(fit(7) != fit(8))
    }

    /// Two threads update without locks: not the same bits, the same tastes.
    @Test func twoThreadsLearnTheSameTastes() {
        let data = AlgorithmContractTests.data
        let model = NeuralCFAlgorithm(parameters: AlgorithmContractTests.contractNeuralCF, threads: 2, seed: 3).fit(data)
        let history = SparseVector(row: data.interactions.row(40))
        let top = model.recommend(user: 40, history: history, count: 3, excluding: Set(history.indices))
        #expect(top.allSatisfy { AlgorithmContractTests.kitchen.contains($0.item) }, "\(top)")
    }

    /// A history folds into the same row every time; the fold-in of a garden history ranks
    /// garden items first, and an empty history gets the average person.
    @Test func foldInIsDeterministicAndFollowsTheHistory() {
        let data = AlgorithmContractTests.data
        let model = NeuralCFAlgorithm(parameters: AlgorithmContractTests.contractNeuralCF, threads: 1, seed: 3).fit(data) as! NeuralCFModel
        let garden = SparseVector(indices: [6, 8], values: [1, 1])
        #expect(model.foldIn(garden) == model.foldIn(garden))
        let top = model.recommend(user: nil, history: garden, count: 4, excluding: [6, 8])
        #expect(top.allSatisfy { AlgorithmContractTests.garden.contains($0.item) }, "\(top)")
        #expect(model.foldIn(SparseVector()) == model.meanUserRow)
        #expect(
            NeuralCFModel.seed(of: [3, 1]) == NeuralCFModel.seed(of: [1, 3]) && NeuralCFModel.seed(of: [1]) != NeuralCFModel.seed(of: [2]))
    }

    /// Fold-in's negatives are different items outside the history, all of them when there
    /// are no more than it wants, and the same for the same seed.
    @Test func foldInDrawsDifferentUnseenNegatives() {
        let model =
            NeuralCFAlgorithm(parameters: AlgorithmContractTests.contractNeuralCF, threads: 1, seed: 3)
            .fit(AlgorithmContractTests.data) as! NeuralCFModel
        let seen: Set<Int32> = [0, 1, 2]
        #expect(model.distinctNegatives(count: 9, avoiding: seen, seed: 7) == Array(3..<12))
        #expect(model.distinctNegatives(count: 20, avoiding: seen, seed: 7) == Array(3..<12))
        let some = model.distinctNegatives(count: 8, avoiding: seen, seed: 7)
        #expect(some.count == 8 && Set(some).count == 8 && some.allSatisfy { $0 >= 3 && $0 < 12 })
        #expect(some == model.distinctNegatives(count: 8, avoiding: seen, seed: 7))
    }

    static func logit(_ weights: NeuralCFWeights, user: Int, item: Int) -> Float {
        let pass = NeuralCFPass(shape: weights.shape)
        let row = weights.shape.rowLength
        return weights.users.withUnsafeBufferPointer { u in
            weights.items.withUnsafeBufferPointer { i in
                weights.dense.withUnsafeBufferPointer { d in
                    pass.forward(user: u.baseAddress! + user * row, item: i.baseAddress! + item * row, dense: d.baseAddress!)
                }
            }
        }
    }

    /// The log loss's gradients for one pair and label, as training computes them.
    static func gradients(_ weights: NeuralCFWeights, user: Int, item: Int, label: Float) -> (user: [Float], item: [Float], dense: [Float])
    {
        let shape = weights.shape
        let pass = NeuralCFPass(shape: shape)
        let row = shape.rowLength
        var userGradient = [Float](repeating: 0, count: row)
        var itemGradient = [Float](repeating: 0, count: row)
        var denseGradient = [Float](repeating: 0, count: shape.denseCount)
        weights.users.withUnsafeBufferPointer { u in
            weights.items.withUnsafeBufferPointer { i in
                weights.dense.withUnsafeBufferPointer { d in
                    let userRow = u.baseAddress! + user * row
                    let itemRow = i.baseAddress! + item * row
                    let logit = pass.forward(user: userRow, item: itemRow, dense: d.baseAddress!)
                    pass.backward(
                        g: NeuralCFMath.sigmoid(logit) - label, user: userRow, item: itemRow, dense: d.baseAddress!,
                        userGradient: &userGradient, itemGradient: &itemGradient, denseGradient: &denseGradient)
                }
            }
        }
        return (userGradient, itemGradient, denseGradient)
    }
}
