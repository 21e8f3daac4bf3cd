import Foundation
import Testing

@testable import KindredLearning

@Suite struct EASETests {
    /// Two items; one person took both, one took only the first. With λ = 1:
    /// XᵀX + λI = [[3, 1], [1, 2]], its inverse P = [[2, -1], [-1, 3]] / 5, and
    /// B[0][1] = -P[0][1] / P[1][1] = (1/5) / (3/5) = 1/3, B[1][0] = -P[1][0] / P[0][0] = 1/2.
    @Test func twoItemsByHand() {
        let data = TrainingSet(interactions: SparseMatrix(rows: 2, columns: 2, entries: [(0, 0, 1), (0, 1, 1), (1, 0, 1)]))
        let model = EASEAlgorithm(regularization: 1, neighbours: 5, threads: 1).fit(data) as! ItemKNNModel
        #expect(model.neighbours[0].count == 1 && model.neighbours[1].count == 1)
        #expect(model.neighbours[0][0].item == 1 && abs(model.neighbours[0][0].score - 1.0 / 3) < 1e-6)
        #expect(model.neighbours[1][0].item == 0 && abs(model.neighbours[1][0].score - 0.5) < 1e-6)
        // Someone who took the first item: item 1 scores B[0][1] = 1/3, item 0 nothing from itself.
        var scores = [Float](repeating: 0, count: 2)
        model.score(user: nil, history: SparseVector(indices: [0], values: [1]), into: &scores)
        #expect(abs(scores[1] - 1.0 / 3) < 1e-6 && scores[0] == 0)
    }

    /// The blocked inverse against the small Double Cholesky inverse, on sizes below, at and
    /// across the block of 32 rows, one worker and two.
    @Test(arguments: [1, 5, 32, 33, 97])
    func blockedInverseMatchesTheSmallOne(n: Int) {
        var random = SeededGenerator(seed: UInt64(n))
        // A = M Mᵀ + n I is symmetric positive definite.
        let m = (0..<(n * n)).map { _ in Double(random.nextUnit()) - 0.5 }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                a[i * n + j] = (0..<n).reduce(0) { $0 + m[i * n + $1] * m[j * n + $1] } + (i == j ? Double(n) : 0)
            }
        }
        let expected = DenseSolve.choleskyInverse(a, n: n)!
        for threads in [1, 2] {
            var inverse = a.map { Float($0) }
            #expect(SymmetricInverse.invert(&inverse, n: n, threads: threads))
            let worst = zip(inverse, expected).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-5, "n \(n), threads \(threads): largest difference \(worst)")
        }
    }

    @Test func aMatrixThatIsNotPositiveDefiniteIsRefused() {
        var matrix: [Float] = [1, 2, 2, 1]  // eigenvalues 3 and -1
        #expect(!SymmetricInverse.invert(&matrix, n: 2, threads: 2))
    }

    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference/ease_reference.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    /// scripts/reference/ease_reference.py computed B in float64 with scipy.linalg.inv on 120
    /// people and 70 items (crossing two blocks and ending on a partial one); Kindred, keeping
    /// every weight, must give the same matrix and the same scores.
    @Test(arguments: [1, 2])
    func matchesScipyOnTheReferenceData(threads: Int) {
        let users = Self.reference["users"] as! Int
        let items = Self.reference["items"] as! Int
        let entries = (Self.reference["entries"] as! [[NSNumber]]).map { ($0[0].int32Value, $0[1].int32Value, $0[2].floatValue) }
        let b = (Self.reference["b"] as! [[NSNumber]]).map { $0.map(\.floatValue) }
        let expectedScores = (Self.reference["scores"] as! [[NSNumber]]).map { $0.map(\.floatValue) }
        let interactions = SparseMatrix(rows: users, columns: items, entries: entries.map { (row: $0.0, column: $0.1, value: $0.2) })
        let algorithm = EASEAlgorithm(
            regularization: Float((Self.reference["lambda"] as! NSNumber).doubleValue), neighbours: items, threads: threads)
        let model = algorithm.fit(TrainingSet(interactions: interactions)) as! ItemKNNModel

        var worst: Float = 0
        for item in 0..<items {
            var row = [Float](repeating: 0, count: items)
            for neighbour in model.neighbours[item] { row[neighbour.item] = neighbour.score }
            #expect(model.neighbours[item].allSatisfy { $0.item != item })
            for other in 0..<items { worst = max(worst, abs(row[other] - b[item][other])) }
        }
        #expect(worst < 2e-5, "largest difference from scipy's B: \(worst)")

        var worstScore: Float = 0
        for user in 0..<users {
            var scores = [Float](repeating: 0, count: items)
            model.score(user: user, history: SparseVector(row: interactions.row(user)), into: &scores)
            for item in 0..<items { worstScore = max(worstScore, abs(scores[item] - expectedScores[user][item])) }
        }
        #expect(worstScore < 1e-4, "largest difference from scipy's scores: \(worstScore)")
    }

    /// Keeping fewer weights keeps the largest in magnitude, negative ones included, listed best
    /// first; similar items are only the positive ones.
    @Test func sparsifiedListsKeepTheStrongestWeights() {
        let users = Self.reference["users"] as! Int
        let items = Self.reference["items"] as! Int
        let entries = (Self.reference["entries"] as! [[NSNumber]]).map {
            (row: $0[0].int32Value, column: $0[1].int32Value, value: $0[2].floatValue)
        }
        let b = (Self.reference["b"] as! [[NSNumber]]).map { $0.map(\.floatValue) }
        let data = TrainingSet(interactions: SparseMatrix(rows: users, columns: items, entries: entries))
        let model = EASEAlgorithm(regularization: 20, neighbours: 10, threads: 2).fit(data) as! ItemKNNModel
        var sawNegative = false
        for item in 0..<items {
            let kept = model.neighbours[item]
            #expect(kept.count == 10)
            #expect(zip(kept, kept.dropFirst()).allSatisfy { $0.score >= $1.score })
            let weakestKept = kept.map { abs($0.score) }.min()!
            let strongestLeft = (0..<items).filter { $0 != item && !kept.map(\.item).contains($0) }.map { abs(b[item][$0]) }.max()!
            #expect(weakestKept >= strongestLeft - 1e-5)
            sawNegative = sawNegative || kept.contains { $0.score < 0 }
            #expect(model.similarItems(to: item, count: 10).allSatisfy { $0.score > 0 })
        }
        #expect(sawNegative, "some item keeps a negative weight")
    }
}
