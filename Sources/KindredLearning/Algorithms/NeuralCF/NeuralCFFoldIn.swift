import Foundation

extension NeuralCFModel {
    /// An embedding row for a history the network was not trained on (see the type's
    /// documentation): Adagrad on the mean log loss of the history's items as positives and
    /// `negatives` times as many unobserved items as negatives, items and layers fixed.
    func foldIn(_ history: SparseVector) -> [Float] {
        var row = meanUserRow
        let shape = weights.shape
        var positives = zip(history.indices, history.values).filter { Int($0.0) >= 0 && Int($0.0) < itemCount && $0.1 > 0 }
        guard !positives.isEmpty else { return row }
        if positives.count > Self.foldInHistory {
            positives.sort { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
            positives = Array(positives.prefix(Self.foldInHistory))
        }
        let seen = Set(history.indices)
        var samples = positives.map { (item: Int($0.0), label: Float(1)) }
        for item in distinctNegatives(count: negatives * positives.count, avoiding: seen, seed: Self.seed(of: positives.map(\.0))) {
            samples.append((item, 0))
        }
        let k = shape.factors
        let e = shape.mlpEmbedding
        let first = shape.widths[0]
        let inputs = shape.inputs(of: 0)
        let scorer = NeuralCFScorer(weights: weights)
        let step = AdagradStep(learningRate: Self.foldInRate, regularization: regularization)
        var squares = [Float](repeating: 0, count: shape.rowLength)
        var gradient = [Float](repeating: 0, count: shape.rowLength)
        var firstLayerGradient = [Float](repeating: 0, count: first)
        let scale = 1 / Float(samples.count)
        withPointers { itemRows, firstLayers, dense in
            for _ in 0..<Self.foldInSteps {
                let query = row.withUnsafeBufferPointer { scorer.query(userRow: $0.baseAddress!) }
                for d in gradient.indices { gradient[d] = 0 }
                for d in firstLayerGradient.indices { firstLayerGradient[d] = 0 }
                firstLayerGradient.withUnsafeMutableBufferPointer { firstGradient in
                    for (item, label) in samples {
                        let logit = scorer.logit(query, item: item, itemRows: itemRows, itemFirstLayer: firstLayers, dense: dense)
                        let g = (NeuralCFMath.sigmoid(logit) - label) * scale
                        for d in 0..<k { gradient[d] += g * dense[shape.outputGMFOffset + d] * itemRows[item * shape.rowLength + d] }
                        scorer.addFirstLayerGradient(g: g, dense: dense, into: firstGradient.baseAddress!)
                    }
                }
                gradient.withUnsafeMutableBufferPointer { out in
                    let layer = dense + shape.weightOffset(of: 0)
                    for unit in 0..<first where firstLayerGradient[unit] != 0 {
                        VectorMath.axpy(firstLayerGradient[unit], layer + unit * inputs, out.baseAddress! + k, e)
                    }
                }
                row.withUnsafeMutableBufferPointer { values in
                    gradient.withUnsafeMutableBufferPointer { g in
                        squares.withUnsafeMutableBufferPointer { s in
                            step.apply(
                                g.baseAddress!, to: values.baseAddress!, squares: s.baseAddress!, count: shape.rowLength, penalized: true)
                        }
                    }
                }
            }
        }
        return row
    }

    /// `count` different items outside the history, or all of them when there are no more.
    /// Drawn without replacement because fold-in keeps its negatives for every step: an item
    /// drawn twice is pushed down twice as hard as one never drawn, for no reason but the draw,
    /// which on a small catalog decides the list.
    func distinctNegatives(count: Int, avoiding seen: Set<Int32>, seed: UInt64) -> [Int] {
        let unseen = itemCount - seen.count(where: { $0 >= 0 && Int($0) < itemCount })
        if unseen <= count { return (0..<itemCount).filter { !seen.contains(Int32($0)) } }
        var random = SeededGenerator(seed: seed)
        var chosen = Set<Int>()
        var order: [Int] = []
        // Ends: more unseen items than `count` means one is always left to draw.
        while order.count < count {
            let item = random.nextInt(below: itemCount)
            if !seen.contains(Int32(item)), chosen.insert(item).inserted { order.append(item) }
        }
        return order
    }

    /// FNV-1a over the history's items: the same history draws the same negatives.
    static func seed(of items: [Int32]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for item in items.sorted() {
            hash ^= UInt64(UInt32(bitPattern: item))
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
