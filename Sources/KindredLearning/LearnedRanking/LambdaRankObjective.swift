import Foundation

/// The gradients of LambdaRank (Burges 2010) as LightGBM computes them: for every pair of
/// candidates with different labels, among the top `truncationLevel` by current score and any
/// below, a logistic pull towards the right order, weighted by how much swapping the pair would
/// change NDCG. Pulls are scaled down by the score gap (`lambdarank_norm`) and each query's total
/// is normalized, so that a long query does not outweigh a short one. With row weights, a pair
/// counts as much as its more relevant row weighs (the propensity-weighted pairwise loss of
/// Joachims et al. 2017): without them the gradients are LightGBM's exactly.
public struct LambdaRankObjective: Sendable {
    public var truncationLevel: Int
    public var sigmoid: Double

    public init(truncationLevel: Int = 30, sigmoid: Double = 1) {
        self.truncationLevel = truncationLevel
        self.sigmoid = sigmoid
    }

    /// Fills `gradients` and `hessians` for every row of `data` at the current `scores`.
    public func gradients(_ data: RankingDataset, scores: [Double], gradients: inout [Double], hessians: inout [Double], workers: Int) {
        gradients = [Double](repeating: 0, count: data.rowCount)
        hessians = [Double](repeating: 0, count: data.rowCount)
        let groups = data.groupCount
        let chunks = max(1, min(workers, groups))
        gradients.withUnsafeMutableBufferPointer { gradientBuffer in
            hessians.withUnsafeMutableBufferPointer { hessianBuffer in
                let gradientOut = SharedPointer(gradientBuffer.baseAddress!)
                let hessianOut = SharedPointer(hessianBuffer.baseAddress!)
                Parallel.run(workers: chunks) { worker in
                    for group in (groups * worker / chunks)..<(groups * (worker + 1) / chunks) {
                        let rows = data.group(group)
                        let (lambdas, weights) = self.query(
                            labels: Array(data.labels[rows]), scores: Array(scores[rows]),
                            weights: data.isWeighted ? Array(data.weights[rows]) : nil)
                        for (offset, row) in rows.enumerated() {
                            gradientOut[row] = lambdas[offset]
                            hessianOut[row] = weights[offset]
                        }
                    }
                }
            }
        }
    }

    /// 1 / (1 + exp(sigmoid x)) at x rounded down to a grid of 2^20 steps over [-25, 25] /
    /// sigmoid: LightGBM reads it from a table on that grid, and with the same values the two
    /// fits stay on the same trees for longer (a difference in the fifth digit of a gradient
    /// eventually flips a near-tie between two splits).
    @inline(__always)
    func logistic(_ x: Double) -> Double {
        let bound = 25 / sigmoid
        let steps = Double(1 << 20) / (2 * bound)
        let clamped = min(max(x, -bound), bound)
        let index = min(Double((1 << 20) - 1), ((clamped + bound) * steps).rounded(.down))
        return 1 / (1 + exp(sigmoid * (index / steps - bound)))
    }

    /// One query's gradients and hessians, in the order of its rows; `weights`, one per row,
    /// scale each pair by its more relevant row's.
    public func query(labels: [Float], scores: [Double], weights: [Float]? = nil) -> (gradients: [Double], hessians: [Double]) {
        let count = labels.count
        var lambdas = [Double](repeating: 0, count: count)
        var hessians = [Double](repeating: 0, count: count)
        let idealDCG = RankingNDCG.idealDCG(labels: labels, k: truncationLevel)
        guard count > 1, idealDCG > 0 else { return (lambdas, hessians) }
        let inverseIdeal = 1 / idealDCG
        let order = RankingNDCG.order(scores)
        let best = scores[order[0]]
        let worst = scores[order[count - 1]]
        var sumLambdas = 0.0
        for i in 0..<min(count - 1, truncationLevel) {
            for j in (i + 1)..<count {
                let a = order[i]
                let b = order[j]
                guard labels[a] != labels[b] else { continue }
                let (high, highRank, low, lowRank) = labels[a] > labels[b] ? (a, i, b, j) : (b, j, a, i)
                let delta = scores[high] - scores[low]
                let gainGap = RankingNDCG.gain(labels[high]) - RankingNDCG.gain(labels[low])
                let discountGap = abs(RankingNDCG.discount(highRank) - RankingNDCG.discount(lowRank))
                var deltaNDCG = gainGap * discountGap * inverseIdeal
                if best != worst { deltaNDCG /= 0.01 + abs(delta) }
                if let weights { deltaNDCG *= Double(weights[high]) }
                let probability = logistic(delta)
                let lambda = -sigmoid * deltaNDCG * probability
                let hessian = sigmoid * sigmoid * deltaNDCG * probability * (1 - probability)
                lambdas[low] -= lambda
                hessians[low] += hessian
                lambdas[high] += lambda
                hessians[high] += hessian
                sumLambdas -= 2 * lambda
            }
        }
        if sumLambdas > 0 {
            let factor = log2(1 + sumLambdas) / sumLambdas
            for index in 0..<count {
                lambdas[index] *= factor
                hessians[index] *= factor
            }
        }
        return (lambdas, hessians)
    }
}

/// NDCG with graded gains 2^label - 1 and discount 1 / log2(rank + 2), LightGBM's definition,
/// including its convention that a query without any relevant row scores 1.
public enum RankingNDCG {
    @inline(__always) static func gain(_ label: Float) -> Double { exp2(Double(label)) - 1 }
    @inline(__always) static func discount(_ rank: Int) -> Double { 1 / log2(Double(rank) + 2) }

    /// Row indices by descending score, ties in row order.
    static func order(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
    }

    static func idealDCG(labels: [Float], k: Int) -> Double {
        labels.sorted(by: >).prefix(k).enumerated().reduce(0) { $0 + gain($1.element) * discount($1.offset) }
    }

    /// NDCG@k of one query ranked by `scores`. With `weights`, each row's gain is multiplied
    /// by its weight, in the ranking and in the ideal order alike: the inverse-propensity
    /// estimate of how a new order would do on lists logged by an exploring policy, which the
    /// logged order would otherwise be favoured by.
    public static func query(labels: [Float], scores: [Double], k: Int, weights: [Float]? = nil) -> Double {
        guard let weights else {
            let ideal = idealDCG(labels: labels, k: k)
            guard ideal > 0 else { return 1 }
            let dcg = order(scores).prefix(k).enumerated().reduce(0) { $0 + gain(labels[$1.element]) * discount($1.offset) }
            return dcg / ideal
        }
        let gains = labels.indices.map { gain(labels[$0]) * Double(weights[$0]) }
        let ideal = gains.sorted(by: >).prefix(k).enumerated().reduce(0) { $0 + $1.element * discount($1.offset) }
        guard ideal > 0 else { return 1 }
        return order(scores).prefix(k).enumerated().reduce(0) { $0 + gains[$1.element] * discount($1.offset) } / ideal
    }

    /// Mean NDCG@k over the queries of `data`, each ranked by `scores` (one per row), with the
    /// data's row weights when it has them.
    public static func mean(_ data: RankingDataset, scores: [Double], k: Int) -> Double {
        guard data.groupCount > 0 else { return 0 }
        var total = 0.0
        for group in 0..<data.groupCount {
            let rows = data.group(group)
            total += query(
                labels: Array(data.labels[rows]), scores: Array(scores[rows]), k: k,
                weights: data.isWeighted ? Array(data.weights[rows]) : nil)
        }
        return total / Double(data.groupCount)
    }
}
