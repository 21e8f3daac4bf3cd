/// The settings of a LambdaMART fit, named and defaulted as LightGBM's `lambdarank` names them
/// (`num_iterations`, `num_leaves`, `learning_rate`, `min_data_in_leaf`, ...), so that a fit can
/// be repeated in LightGBM with the same numbers.
public struct LambdaMARTSettings: Sendable, Codable, Equatable {
    /// Boosting rounds at most (`num_iterations`).
    public var trees = 100
    public var leaves = 31
    public var learningRate = 0.1
    public var minDataInLeaf = 20
    public var minSumHessianInLeaf = 1e-3
    /// L2 regularization of leaf values (`lambda_l2`).
    public var l2 = 0.0
    public var maxBins = 255
    /// Pairs are formed with the top this many candidates by current score.
    public var truncationLevel = 30
    /// Stop when validation NDCG@`evaluationDepth` has not improved for this many rounds and keep
    /// the trees up to the best round (0: never stop early, keep every tree).
    public var earlyStoppingRounds = 20
    public var evaluationDepth = 10
    public var workers = 2

    enum CodingKeys: String, CodingKey {
        case trees, leaves, learningRate = "learning_rate", minDataInLeaf = "min_data_in_leaf"
        case minSumHessianInLeaf = "min_sum_hessian_in_leaf", l2 = "lambda_l2", maxBins = "max_bin"
        case truncationLevel = "truncation_level", earlyStoppingRounds = "early_stopping_rounds"
        case evaluationDepth = "evaluation_depth", workers
    }

    public init() {}
}

/// A boosted ensemble of regression trees whose summed outputs order one query's candidates.
public struct LambdaMARTModel: Sendable, Codable, Equatable {
    public var featureCount: Int
    public var trees: [RegressionTree]

    enum CodingKeys: String, CodingKey {
        case featureCount = "feature_count", trees
    }

    public init(featureCount: Int, trees: [RegressionTree]) {
        self.featureCount = featureCount
        self.trees = trees
    }

    @inline(__always)
    public func score(_ row: UnsafeBufferPointer<Float>) -> Double {
        var total = 0.0
        for tree in trees { total += tree.predict(row) }
        return total
    }

    public func score(_ row: [Float]) -> Double { row.withUnsafeBufferPointer { score($0) } }

    /// Every row's score.
    public func scores(_ data: RankingDataset) -> [Double] {
        (0..<data.rowCount).map { row in data.withRow(row) { score($0) } }
    }

    /// Whether the model can score rows of `featureCount` features: checked before a stored
    /// model is served.
    public func isWellFormed(featureCount expected: Int) -> Bool {
        featureCount == expected && trees.allSatisfy { $0.isWellFormed(featureCount: featureCount) }
    }
}

/// What a fit did: the model kept (with early stopping, the trees up to the best validation
/// round) and the validation curve.
public struct LambdaMARTFit: Sendable, Equatable {
    public var model: LambdaMARTModel
    /// Rounds boosted before stopping (at least the trees kept).
    public var roundsRun: Int
    /// Validation NDCG@`evaluationDepth` after each round; empty without validation.
    public var validationNDCG: [Double]
    /// Validation NDCG of the candidates in their given order (all scores equal), the baseline
    /// the trees must beat.
    public var validationNDCGBefore: Double?
}

/// LambdaMART (Burges 2010): gradient-boosted regression trees fitted to LambdaRank gradients,
/// with histogram splits and leaf-wise growth after LightGBM, and early stopping on validation
/// NDCG. Deterministic: no sampling, so two fits on the same data give the same trees.
public enum LambdaMART {
    public static func train(_ train: RankingDataset, validation: RankingDataset? = nil, settings: LambdaMARTSettings = .init())
        -> LambdaMARTFit
    {
        let layout = FeatureBins.fit(train, maxBins: settings.maxBins, minDataInLeaf: max(1, settings.minDataInLeaf))
        let grower = HistogramTreeGrower(
            bins: layout.binned(train), featureCount: train.featureCount, layout: layout,
            limits: .init(
                leaves: max(2, settings.leaves), minDataInLeaf: max(1, settings.minDataInLeaf),
                minSumHessianInLeaf: settings.minSumHessianInLeaf, l2: settings.l2, learningRate: settings.learningRate),
            workers: settings.workers)
        let objective = LambdaRankObjective(truncationLevel: settings.truncationLevel)
        var scores = [Double](repeating: 0, count: train.rowCount)
        var validationScores = [Double](repeating: 0, count: validation?.rowCount ?? 0)
        var gradients: [Double] = []
        var hessians: [Double] = []
        var rows = (0..<train.rowCount).map(Int32.init)
        var trees: [RegressionTree] = []
        var curve: [Double] = []
        let before = validation.map { RankingNDCG.mean($0, scores: validationScores, k: settings.evaluationDepth) }
        var bestRound = -1
        var bestNDCG = -Double.infinity
        var rounds = 0

        for round in 0..<max(0, settings.trees) {
            objective.gradients(train, scores: scores, gradients: &gradients, hessians: &hessians, workers: settings.workers)
            let (tree, ranges) = grower.grow(gradients: gradients, hessians: hessians, rows: &rows)
            rounds = round + 1
            guard tree.leafCount > 1 else { break }
            for (leaf, range) in ranges.enumerated() {
                let value = tree.leafValue[leaf]
                for position in range { scores[Int(rows[position])] += value }
            }
            trees.append(tree)
            guard let validation else { continue }
            for row in 0..<validation.rowCount {
                validationScores[row] += validation.withRow(row) { tree.predict($0) }
            }
            let ndcg = RankingNDCG.mean(validation, scores: validationScores, k: settings.evaluationDepth)
            curve.append(ndcg)
            if ndcg > bestNDCG {
                bestNDCG = ndcg
                bestRound = round
            } else if settings.earlyStoppingRounds > 0, round - bestRound >= settings.earlyStoppingRounds {
                break
            }
        }
        // Without early stopping every tree is kept, as LightGBM keeps them; with it, the trees
        // up to the best validation round.
        let kept = validation == nil || settings.earlyStoppingRounds == 0 ? trees : Array(trees.prefix(bestRound + 1))
        return LambdaMARTFit(
            model: LambdaMARTModel(featureCount: train.featureCount, trees: kept), roundsRun: rounds, validationNDCG: curve,
            validationNDCGBefore: before)
    }
}
