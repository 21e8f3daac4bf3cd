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
        var random = SeededGenerator(seed: Self.seed(of: positives.map(\.0)))
        var samples = positives.map { (item: Int($0.0), label: Float(1)) }
        let wanted = negatives * positives.count
        var drawn = 0
        for _ in 0..<(wanted * 10) where drawn < wanted {
            let item = random.nextInt(below: itemCount)
            if !seen.contains(Int32(item)) {
                samples.append((item, 0))
                drawn += 1
            }
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
