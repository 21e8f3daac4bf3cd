import Foundation
import Testing

@testable import KindredLearning

@Suite struct CandidateRankingTests {
    static func randomModel(items: Int, factors: Int, seed: UInt64) -> MatrixFactorizationModel {
        var random = SeededGenerator(seed: seed)
        let itemFactors = (0..<(items * factors)).map { _ in Float(random.nextGaussian()) * 0.3 }
        let userFactors = (0..<(200 * factors)).map { _ in Float(random.nextGaussian()) * 0.3 }
        return MatrixFactorizationModel(userFactors: userFactors, itemFactors: itemFactors, factors: factors, regularization: 0.1, alpha: 1)
    }

    /// The scanned cosine search (large catalogs) finds the same similar items as scoring every
    /// item exactly, on a model with popular (long) and obscure (short) items and some zeros.
    @Test func similarItemsByTheScanEqualThoseOfScoringEveryItem() {
        var random = SeededGenerator(seed: 21)
        let items = 3_000
        let factors = 32
        var itemFactors = [Float](repeating: 0, count: items * factors)
        for item in 0..<items where item % 97 != 5 {
            let length = Float(0.05 + 3 * pow(random.nextUnit(), 4))
            for d in 0..<factors { itemFactors[item * factors + d] = Float(random.nextGaussian()) * length }
        }
        let model = MatrixFactorizationModel(userFactors: [], itemFactors: itemFactors, factors: factors, regularization: 0.1, alpha: 1)
        var differing = 0
        for item in stride(from: 0, to: items, by: 7) {
            let scanned = model.similarItemsByScan(to: item, count: 10)
            let exact = model.similarItemsScoringEveryItem(to: item, count: 10)
            if scanned.map(\.item) != exact.map(\.item) { differing += 1 }
            #expect(zip(scanned, exact).allSatisfy { abs($0.score - $1.score) < 1e-5 || $0.item != $1.item })
            #expect(!scanned.contains { $0.item == item || $0.item % 97 == 5 }, "neither the item nor an item without factors")
        }
        #expect(differing == 0, "\(differing) of \(items / 7) lists differ")
        #expect(model.similarItemsByScan(to: 5, count: 10).isEmpty, "an item without factors has no neighbours")
    }

    @Test func quantizedScoresStayWithinTheRoundingBound() {
        // Each row code is off by at most half its step (scale / 2) and each query code by half
        // the query's step, so a dot product is off by at most
        // scale / 2 * sum |v| + queryScale / 2 * sum |row codes * scale|.
        var random = SeededGenerator(seed: 4)
        let dimension = 23  // not a multiple of the 4-dimension group
        let rows = 37  // not a multiple of the 16-row block
        let values = (0..<(rows * dimension)).map { _ in Float(random.nextGaussian()) }
        let vector = (0..<dimension).map { _ in Float(random.nextGaussian()) }
        let quantized = QuantizedRows(values, dimension: dimension)
        var approximate: [Float] = []
        quantized.multiply(by: vector, into: &approximate)
        #expect(approximate.count == 48, "whole blocks of 16")
        let vectorMass = vector.reduce(0) { $0 + abs($1) }
        let queryScale = quantized.quantize(vector).scale
        for row in 0..<rows {
            let exact = (0..<dimension).reduce(Float(0)) { $0 + values[row * dimension + $1] * vector[$1] }
            let rowMass =
                (0..<dimension).reduce(Float(0)) { $0 + abs(values[row * dimension + $1]) } + quantized.scales[row] * Float(dimension) / 2
            #expect(abs(approximate[row] - exact) <= quantized.scales[row] / 2 * vectorMass + queryScale / 2 * rowMass + 1e-4)
        }
        #expect(approximate[rows..<48].allSatisfy { $0 == 0 }, "padding rows score zero")
    }

    @Test func aHandQuantizedDotProduct() {
        // Row (1, -2, 0.5, 4): scale 4/127, codes (32, -64, 16, 127). Query (0.5, 0.25, -1, 2):
        // scale 2/127, codes (32, 16, -64, 127). Integer dot: 1024 - 1024 - 1024 + 16129 = 15105,
        // times (4/127) (2/127) = 7.4920; the float dot product is 0.5 - 0.5 - 0.5 + 8 = 7.5.
        let quantized = QuantizedRows([1, -2, 0.5, 4], dimension: 4)
        var out: [Float] = []
        quantized.multiply(by: [0.5, 0.25, -1, 2], into: &out)
        #expect(abs(out[0] - 15105 * (4 / 127) * (2 / 127)) < 1e-5)
    }

    @Test func theVectorKernelAgreesBitForBitWithThePortableOne() {
        // Integer sums: the AVX-512 VNNI path (where the CPU has it) and the portable loop
        // must give identical floats, extremes of the code range included.
        var random = SeededGenerator(seed: 11)
        for dimension in [1, 4, 17, 64] {
            let rows = 53
            var values = (0..<(rows * dimension)).map { _ in Float(random.nextGaussian()) }
            values[0] = 1e3
            values[values.count - 1] = -1e3
            let quantized = QuantizedRows(values, dimension: dimension)
            var vector = (0..<dimension).map { _ in Float(random.nextGaussian()) }
            vector[0] = -50
            let query = quantized.quantize(vector)
            var best: [Float] = []
            var portable: [Float] = []
            quantized.multiply(query, into: &best, kernel: .best)
            quantized.multiply(query, into: &portable, kernel: .portable)
            #expect(best == portable, "dimension \(dimension)")
        }
    }

    @Test(arguments: [2_000, 40_000])
    func theTwoStageTopKAgreesWithTheExactOne(items: Int) {
        let model = Self.randomModel(items: items, factors: 32, seed: 7)
        var agreeing = 0
        for user in 0..<200 {
            let exact = model.recommend(user: user, history: SparseVector(), count: 10)
            let twoStage = model.top(user: user, history: SparseVector(), count: 10) { _ in true }
            if exact.map(\.item) == twoStage.map(\.item) { agreeing += 1 }
            #expect(zip(exact, twoStage).allSatisfy { abs($0.score - $1.score) < 1e-4 || $0.item != $1.item })
        }
        #expect(agreeing >= 196, "\(agreeing) of 200 users got exactly the exact top 10")
    }

    @Test func businessRulesApplyInTheFirstPass() {
        let model = Self.randomModel(items: 5_000, factors: 16, seed: 8)
        let top = model.top(user: 3, history: SparseVector(), count: 10) { $0.isMultiple(of: 7) }
        #expect(top.count == 10)
        #expect(top.allSatisfy { $0.item.isMultiple(of: 7) })
        var scores = [Float](repeating: 0, count: 5_000)
        model.score(user: 3, history: SparseVector(), into: &scores)
        let exact = TopK.select(scores, k: 10) { $0.isMultiple(of: 7) }
        #expect(top.map(\.item) == exact.map(\.item))
    }

    /// Items whose norms spread over orders of magnitude, as implicit-feedback factors do
    /// (popular items long, the tail short), around a few directions that users share, so that
    /// many items point nearly the way a query does and the bound that ends a scan is nearly
    /// tight: a scan that stops a little too early shows. Optionally with biases as BPR learns.
    static func skewedModel(items: Int, factors: Int, seed: UInt64, biased: Bool = false) -> MatrixFactorizationModel {
        var random = SeededGenerator(seed: seed)
        let directions = (0..<5).map { _ in (0..<factors).map { _ in Float(random.nextGaussian()) } }
        var itemFactors: [Float] = []
        for item in 0..<items {
            let length = Float(exp(random.nextGaussian() * 1.2)) * 0.1
            itemFactors += directions[item % 5].map { ($0 + Float(random.nextGaussian()) * 0.4) * length }
        }
        var userFactors: [Float] = []
        for user in 0..<50 { userFactors += directions[user % 5].map { $0 + Float(random.nextGaussian()) * 0.05 } }
        let bias = biased ? (0..<items).map { _ in Float(random.nextGaussian()) * 0.05 } : []
        return MatrixFactorizationModel(
            userFactors: userFactors, itemFactors: itemFactors, itemBias: bias, factors: factors, regularization: 0.1, alpha: 1)
    }

    @Test(arguments: [false, true])
    func endingTheScanEarlyChangesNothing(biased: Bool) {
        let model = Self.skewedModel(items: 20_000, factors: 24, seed: 12, biased: biased)
        let rules: [(Int) -> Bool] = [{ _ in true }, { $0 % 3 == 0 }, { $0 % 250 == 1 }]
        for user in 0..<50 {
            let vector = model.queryVector(user: user, history: SparseVector())
            for keep in rules {
                // The whole candidate pool, not only the top 10 drawn from it, is the same.
                let pruned = model.firstPass(vector, pool: 100, prune: true, keep: keep).candidates
                let full = model.firstPass(vector, pool: 100, prune: false, keep: keep).candidates
                #expect(pruned.map(\.item) == full.map(\.item) && pruned.map(\.score) == full.map(\.score), "user \(user)")
                #expect(
                    model.top(user: user, history: SparseVector(), count: 10, keep: keep)
                        == model.topScanningEveryItem(user: user, history: SparseVector(), count: 10, keep: keep))
            }
        }
    }

    @Test func theScanStopsEarlyWhenFewItemsCarryTheNorm() {
        let model = Self.skewedModel(items: 20_000, factors: 24, seed: 13)
        var scanned = 0
        for user in 0..<50 {
            let vector = model.queryVector(user: user, history: SparseVector())
            scanned += model.firstPass(vector, pool: 100, prune: true) { _ in true }.scannedRows
        }
        #expect(scanned < 50 * 20_000 / 2, "scanned \(scanned / 50) of 20,000 rows per query")
        // With equal norms nothing can be ruled out, and everything is scanned.
        let flat = Self.randomModel(items: 4_000, factors: 16, seed: 14)
        let vector = flat.queryVector(user: 0, history: SparseVector())
        #expect(flat.firstPass(vector, pool: 100, prune: true) { _ in true }.scannedRows > 2_000)
    }
}
