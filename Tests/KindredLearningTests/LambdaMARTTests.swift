import Foundation
import Testing

@testable import KindredLearning

@Suite struct LambdaMARTTests {
    /// Two candidates, the first relevant (label 1), both scored 0. The ideal DCG is 1; swapping
    /// them changes NDCG by 1 - 1/log2(3) = 0.369070; the logistic pull at a zero gap is 1/2, so
    /// the lambda is -0.184535 and the hessian 0.369070 / 4. The query's lambdas sum to
    /// s = 0.369070 and are scaled by log2(1 + s) / s = 1.227949: gradients -0.226598 and
    /// +0.226598, hessians 0.113299 each.
    @Test func lambdasOfATwoCandidateQueryByHand() {
        let (gradients, hessians) = LambdaRankObjective().query(labels: [1, 0], scores: [0, 0])
        #expect(abs(gradients[0] - -0.226598) < 1e-6 && abs(gradients[1] - 0.226598) < 1e-6)
        #expect(abs(hessians[0] - 0.113299) < 1e-6 && abs(hessians[1] - 0.113299) < 1e-6)
    }

    /// The same pair with the relevant row weighing 2 (shown with probability 1/2): the pull
    /// doubles before the query's normalization, so ΔNDCG is 0.738140, the lambda -0.369070 and
    /// the hessian 0.184535; the query's lambdas sum to 0.738140 and are scaled by
    /// log2(1.738140) / 0.738140 = 1.080478: gradients -0.398772 and +0.398772, hessians
    /// 0.199386. A weight on the irrelevant row changes nothing (it is never the pair's more
    /// relevant member), and weights of 1 give LightGBM's gradients exactly.
    @Test func aWeightScalesThePairsItsRowLeads() {
        let objective = LambdaRankObjective()
        let (gradients, hessians) = objective.query(labels: [1, 0], scores: [0, 0], weights: [2, 1])
        #expect(abs(gradients[0] - -0.398772) < 1e-6 && abs(gradients[1] - 0.398772) < 1e-6)
        #expect(abs(hessians[0] - 0.199386) < 1e-6 && abs(hessians[1] - 0.199386) < 1e-6)
        let plain = objective.query(labels: [1, 0], scores: [0, 0])
        let irrelevantWeighed = objective.query(labels: [1, 0], scores: [0, 0], weights: [1, 5])
        #expect(irrelevantWeighed.gradients == plain.gradients && irrelevantWeighed.hessians == plain.hessians)
        let labels: [Float] = [2, 0, 1, 0, 1]
        let scores = [0.3, -0.1, 0.8, 0.0, 0.2]
        let ones = objective.query(labels: labels, scores: scores, weights: [1, 1, 1, 1, 1])
        let none = objective.query(labels: labels, scores: scores)
        #expect(ones.gradients == none.gradients && ones.hessians == none.hessians)
    }

    /// Weighted NDCG@2 of labels [0, 1, 1] with weights [1, 1, 4] ranked by [3, 2, 1]: gains
    /// 0, 1, 4; DCG = 0 + 1/log2(3) = 0.630930; the ideal order (4, 1) gives 4 + 0.630930 =
    /// 4.630930; NDCG = 0.136243. Unweighted, the same ranking scores 0.630930 / 1.630930 =
    /// 0.386853: the explored row's weight is what tells the two apart.
    @Test func weightedNDCGByHand() {
        #expect(abs(RankingNDCG.query(labels: [0, 1, 1], scores: [3, 2, 1], k: 2, weights: [1, 1, 4]) - 0.136243) < 1e-6)
        #expect(abs(RankingNDCG.query(labels: [0, 1, 1], scores: [3, 2, 1], k: 2) - 0.386853) < 1e-6)
        #expect(
            RankingNDCG.query(labels: [0, 1, 1], scores: [3, 2, 1], k: 2, weights: [1, 1, 1])
                == RankingNDCG.query(labels: [0, 1, 1], scores: [3, 2, 1], k: 2))
    }

    /// Two places, equally many random draws, half as many outcomes at the second: the power law
    /// fits exactly, 2^-eta = 1/2, so eta = 1. Draws whose outcomes fall as p^-0.7 over ten
    /// places give back 0.7. Too few outcomes, or one place only, give no estimate.
    @Test func positionBiasByHand() throws {
        let two = try #require(PositionBias.fit(shown: [60, 60], clicked: [40, 20]))
        #expect(two.eta == 1 && two.draws == 120 && two.outcomes == 60)
        #expect(abs(two.examination(atPosition: 2) - 0.5) < 1e-12 && two.examination(atPosition: 1) == 1)
        let places = (1...10).map { Double($0) }
        let ten = try #require(
            PositionBias.fit(shown: [Int](repeating: 100_000, count: 10), clicked: places.map { Int((10_000 * pow($0, -0.7)).rounded()) }))
        #expect(abs(ten.eta - 0.7) < 0.005)
        #expect(PositionBias.fit(shown: [60, 60], clicked: [20, 9]) == nil, "29 outcomes are fewer than 30")
        #expect(PositionBias.fit(shown: [60, 0], clicked: [40, 0]) == nil, "one place cannot show a slope")
    }

    /// A dataset holds weights only once a row weighs other than 1, and then one per row.
    @Test func datasetsKeepWeightsOnlyWhenTheyMatter() {
        var data = RankingDataset(featureCount: 1)
        data.appendGroup(features: [1, 2], labels: [1, 0])
        data.appendGroup(features: [3, 4], labels: [1, 0], weights: [1, 1])
        #expect(!data.isWeighted)
        data.appendGroup(features: [5, 6, 7], labels: [0, 1, 0], weights: [1, 4, 1])
        data.appendGroup(features: [8, 9], labels: [1, 0])
        #expect(data.isWeighted && data.weights == [1, 1, 1, 1, 1, 4, 1, 1, 1])
        var first = RankingDataset(featureCount: 1)
        first.appendGroup(features: [1, 2], labels: [1, 0], weights: [3, 1])
        first.appendGroup(features: [3, 4], labels: [1, 0])
        #expect(first.isWeighted && first.weights == [3, 1, 1, 1], "the first group's own weights are kept")
    }

    @Test func aQueryWithoutAnythingRelevantHasNoGradient() {
        let (gradients, hessians) = LambdaRankObjective().query(labels: [0, 0, 0], scores: [3, 1, 2])
        #expect(gradients == [0, 0, 0] && hessians == [0, 0, 0])
    }

    /// NDCG@2 of labels [0, 2, 1] ranked by scores [3, 2, 1]: DCG = 0 + 3/log2(3) = 1.892789;
    /// the ideal order gives 3 + 1/log2(3) = 3.630930; NDCG = 0.521296.
    @Test func ndcgByHand() {
        #expect(abs(RankingNDCG.query(labels: [0, 2, 1], scores: [3, 2, 1], k: 2) - 0.521296) < 1e-6)
        #expect(RankingNDCG.query(labels: [0, 0], scores: [1, 2], k: 10) == 1, "LightGBM counts a query with nothing relevant as 1")
    }

    /// Four rows on one feature, gradients -1, -1, +1, +1 and unit hessians: the only useful
    /// split is between the second and third values (threshold 2.5), and with a learning rate of
    /// 1 the leaves are -G/H: +1 on the left, -1 on the right. (Bins: zero alone, as LightGBM
    /// keeps it, then one per value when a bin may hold a single row.)
    @Test func oneSplitByHand() {
        var data = RankingDataset(featureCount: 1)
        data.appendGroup(features: [1, 2, 3, 4], labels: [0, 0, 0, 0])
        let layout = FeatureBins.fit(data, minDataInBin: 1)
        #expect(layout.upperBounds[0] == [1e-35, 1.5, 2.5, 3.5, .infinity])
        let grower = HistogramTreeGrower(
            bins: layout.binned(data), featureCount: 1, layout: layout,
            limits: .init(leaves: 4, minDataInLeaf: 2, minSumHessianInLeaf: 1e-3, l2: 0, learningRate: 1), workers: 1)
        var rows: [Int32] = [0, 1, 2, 3]
        let (tree, ranges) = grower.grow(gradients: [-1, -1, 1, 1], hessians: [1, 1, 1, 1], rows: &rows)
        #expect(tree.threshold == [2.5] && tree.splitFeature == [0])
        #expect(tree.leafValue == [1, -1])
        #expect(ranges == [0..<2, 2..<4])
        #expect(tree.isWellFormed(featureCount: 1))
        #expect(tree.predict([2.5].withUnsafeBufferPointer { $0 }) == 1)
    }

    /// LightGBM's binning: with the default three rows per bin, four single values share two
    /// bins; a negative side and zero keep bins of their own.
    @Test func binsHoldAtLeastTheirRowsAndKeepZeroApart() {
        #expect(FeatureBins.upperBounds(sorted: [1, 2, 3, 4], maxBins: 255) == [1e-35, 3.5, .infinity])
        #expect(FeatureBins.upperBounds(sorted: [-1, -1, -1, 0, 0, 0, 2, 2, 2], maxBins: 255) == [-1e-35, 1e-35, .infinity])
    }

    /// A feature with only 5 rows off its common value cannot give two leaves of 20 rows: it is
    /// never split on (LightGBM's feature_pre_filter); with 50 and 50 it can be.
    @Test func aFeatureNoThresholdCanSplitIntoTwoLeavesIsLeftOut() {
        var data = RankingDataset(featureCount: 2)
        let rows = (0..<105).flatMap { row -> [Float] in [row < 100 ? 0 : 1, row < 50 ? 0 : 1] }
        data.appendGroup(features: rows, labels: Array(repeating: 0, count: 105))
        #expect(FeatureBins.fit(data, minDataInLeaf: 20).splittable == [false, true])
        #expect(FeatureBins.fit(data).splittable == [true, true])
    }

    /// 1,000 distinct values in ten bins: zero alone, the other 999 in nine bins of 111.
    @Test func manyDistinctValuesShareAtMostTheBinsAllowed() {
        let values = (0..<1000).map(Float.init)
        let bounds = FeatureBins.upperBounds(sorted: values, maxBins: 10)
        #expect(bounds.count == 10 && bounds.first == 1e-35 && bounds.last == .infinity)
        let layout = FeatureBins(upperBounds: [bounds])
        var counts = [Int](repeating: 0, count: bounds.count)
        for value in values { counts[layout.bin(value, feature: 0)] += 1 }
        #expect(counts[0] == 1 && counts.dropFirst().allSatisfy { $0 == 111 }, "\(counts)")
    }

    @Test func aMalformedTreeIsRecognised() {
        let loop = RegressionTree(
            splitFeature: [0, 0], threshold: [1, 1], leftChild: [1, 0], rightChild: [~0, ~1], leafValue: [0, 0, 0])
        #expect(!loop.isWellFormed(featureCount: 1))
        let badFeature = RegressionTree(splitFeature: [3], threshold: [1], leftChild: [~0], rightChild: [~1], leafValue: [0, 0])
        #expect(!badFeature.isWellFormed(featureCount: 2))
    }

    @Test func fitsAreDeterministicAndRoundTripThroughJSON() throws {
        let (train, validation) = Self.referenceData()
        var settings = LambdaMARTSettings()
        settings.trees = 5
        let first = LambdaMART.train(train, validation: validation, settings: settings)
        let second = LambdaMART.train(train, validation: validation, settings: settings)
        #expect(first == second)
        let decoded = try JSONDecoder().decode(LambdaMARTModel.self, from: JSONEncoder().encode(first.model))
        #expect(decoded == first.model && decoded.isWellFormed(featureCount: train.featureCount))
    }

    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference/lambdamart_reference.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    /// The data set of scripts/reference/lambdamart_reference.py, regenerated from its generator.
    static func referenceData() -> (train: RankingDataset, validation: RankingDataset) {
        let spec = reference["generator"] as! [String: Int]
        var state = UInt64(spec["seed"]!)
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        func queries(_ count: Int) -> RankingDataset {
            var data = RankingDataset(featureCount: spec["features"]!)
            while data.groupCount < count {
                var rows: [Float] = []
                var labels: [Float] = []
                for _ in 0..<spec["candidates"]! {
                    let f = (0..<spec["features"]!).map { _ in Int(next() % 64) }
                    let noise = Int(next() % 48)
                    var score = f[0] * f[1] / 64 + (f[2] > 40 ? 20 : 0) - f[3] / 2
                    score += f[5] > 31 ? f[4] / 4 : -(f[4] / 4)
                    score += noise
                    rows += f.map(Float.init)
                    labels.append(score > 80 ? 3 : score > 65 ? 2 : score > 50 ? 1 : 0)
                }
                if Set(labels).count > 1 { data.appendGroup(features: rows, labels: labels) }
            }
            return data
        }
        return (queries(spec["train_queries"]!), queries(spec["validation_queries"]!))
    }

    @Test func theRegeneratedDataIsThePythonData() {
        let (train, _) = Self.referenceData()
        #expect(train.rowCount == Self.reference["train_rows"] as! Int)
        let firstRows = (Self.reference["first_rows"] as! [[Int]]).map { $0.map(Float.init) }
        for (row, expected) in firstRows.enumerated() {
            #expect((0..<train.featureCount).map { train.value(row: row, feature: $0) } == expected)
        }
        #expect(Array(train.labels.prefix(3)) == (Self.reference["first_labels"] as! [Int]).map(Float.init))
    }

    /// LightGBM's lambdarank with the same trees, leaves, learning rate and leaf limits. Kindred
    /// follows its binning, split scan, row counts and sigmoid table, and so grows the same trees:
    /// validation NDCG@10 agrees to 1e-9 after 10, 30 and 100 trees (the issue asks for 1%).
    @Test func matchesLightGBMOnTheReferenceData() {
        let (train, validation) = Self.referenceData()
        var settings = LambdaMARTSettings()
        settings.trees = 100
        settings.earlyStoppingRounds = 0
        let fit = LambdaMART.train(train, validation: validation, settings: settings)
        let lightGBM = (Self.reference["validation_ndcg10_by_trees"] as! [Double])
        let before = Self.reference["validation_ndcg10_before"] as! Double
        #expect(abs(fit.validationNDCGBefore! - before) < 1e-9)
        #expect(fit.validationNDCG.count == 100 && fit.model.trees.count == 100, "without early stopping every tree is kept")
        for trees in [10, 30, 100] {
            let ours = fit.validationNDCG[trees - 1]
            let theirs = lightGBM[trees - 1]
            print("LambdaMART reference, \(trees) trees: Kindred \(ours), LightGBM \(theirs)")
            #expect(abs(ours - theirs) < 1e-9, "\(trees) trees: Kindred \(ours), LightGBM \(theirs)")
        }
    }

    @Test func earlyStoppingKeepsTheBestRound() {
        let (train, validation) = Self.referenceData()
        var settings = LambdaMARTSettings()
        settings.trees = 200
        settings.earlyStoppingRounds = 5
        let fit = LambdaMART.train(train, validation: validation, settings: settings)
        let best = fit.validationNDCG.indices.max { fit.validationNDCG[$0] < fit.validationNDCG[$1] }!
        #expect(fit.model.trees.count == best + 1)
        #expect(fit.roundsRun < 200 ? fit.roundsRun - fit.model.trees.count == 5 : true)
    }
}
